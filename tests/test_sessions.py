"""Sessions, sign-in throttling, form limits, CSRF and response headers."""
import pytest
import sqlite_utils

from app import create_app
from test_workspace import ORIGIN, post, sign_in, token


@pytest.fixture
def app(live_db):
    # No SESSION_COOKIE_SECURE here: these tests see the real default.
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "SECRET_KEY": "test only"})


def sign_in_cookie(app) -> str:
    response = post(app.test_client(), "/workspace/sign-in", {"name": "Asha", "password": "correct horse battery"})
    assert response.status_code == 302
    return response.headers["Set-Cookie"]


def test_the_session_cookie_is_secure_unless_turned_off(app, live_db, tmp_path, monkeypatch):
    cookie = sign_in_cookie(app)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The same through the environment, as a deployment would run it.
    monkeypatch.setenv("ASSETMAP_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ASSETMAP_DATABASE", str(live_db))
    assert create_app().config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("ASSETMAP_SESSION_COOKIE_SECURE", "false")
    plain = create_app()
    assert plain.config["SESSION_COOKIE_SECURE"] is False
    assert "Secure" not in sign_in_cookie(plain)


@pytest.mark.parametrize("evil", ["/workspace/\r\nSet-Cookie: x=1", "/workspace/\nX: y", "/workspace/\r"])
def test_line_breaks_in_next_and_back_are_ignored(app, evil):
    client = app.test_client()
    response = client.post("/workspace/sign-in?" + __import__("urllib.parse").parse.urlencode({"next": evil}),
                           data={"csrf_token": token(client), "name": "Asha", "password": "correct horse battery"},
                           headers={"Origin": ORIGIN})
    assert response.status_code == 302 and response.headers["Location"] == "/workspace/"
    response = post(client, "/workspace/assets/belgrave-library/verify", {"back": evil}, page="/workspace/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/workspace/assets/belgrave-library?saved=1"
    assert "Set-Cookie: x" not in str(response.headers) and "X: y" not in str(response.headers)
