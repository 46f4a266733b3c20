"""Sessions, sign-in throttling, form limits, CSRF and response headers."""
import pytest
import sqlite_utils
from test_workspace import ORIGIN, post, sign_in, token

from app import create_app


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


# 14. Sessions end everywhere at sign-out and password change, and have an absolute lifetime.

def signed_in(app, name="Asha", password="correct horse battery"):
    client = app.test_client()
    sign_in(client, name, password)
    assert client.get("/workspace/").status_code == 200
    return client


def test_signing_out_ends_every_session_of_the_account(app):
    phone, desktop, ben = signed_in(app), signed_in(app), signed_in(app, "Ben", "another long password")
    assert post(phone, "/workspace/sign-out", {}, page="/workspace/").status_code == 302
    assert desktop.get("/workspace/").status_code == 302  # signed out there too
    assert ben.get("/workspace/").status_code == 200      # other accounts are untouched
    assert signed_in(app).get("/workspace/").status_code == 200  # and signing in again works


def test_a_new_password_ends_every_session_of_the_account(app):
    asha = signed_in(app)
    admin = signed_in(app, "Admin", "admin password here")
    assert post(admin, "/workspace/users", {"action": "password", "name": "Asha",
                                            "password": "a brand new password"}).status_code == 302
    assert asha.get("/workspace/").status_code == 302
    assert admin.get("/workspace/").status_code == 200
    signed_in(app, "Asha", "a brand new password")


def test_a_session_ends_eight_hours_after_signing_in_however_busy(app):
    client = signed_in(app)
    with client.session_transaction() as session:
        session["signed_in_at"] -= 8 * 60 * 60 - 60
    assert client.get("/workspace/").status_code == 200  # in use all day: still signed in...
    with client.session_transaction() as session:
        session["signed_in_at"] -= 120
    response = client.get("/workspace/")
    assert response.status_code == 302 and "/workspace/sign-in" in response.headers["Location"]  # ...until 8 hours


# 15. Sign-in throttling.

def test_parallel_guesses_check_no_more_passwords_than_the_limit(live_db):
    from concurrent.futures import ThreadPoolExecutor

    from app import store
    from app.accounts import UserError, authenticate

    def guess(i):
        db = store.connect(live_db)
        try:
            return authenticate(db, "Asha", f"wrong guess {i}", "203.0.113.9") is None  # True: password checked
        except UserError:
            return False
        finally:
            db.conn.close()

    with ThreadPoolExecutor(40) as pool:
        checked = sum(pool.map(guess, range(40)))
    assert checked == 5


def failures(app, name, address, times, password="wrong"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    for _ in range(times):
        response = post(client, "/workspace/sign-in", {"name": name, "password": password})
    return response


def test_password_spraying_from_one_address_is_paused(app):
    for i in range(4):
        failures(app, f"Someone {i}", "198.51.100.7", 5)
    response = failures(app, "Ben", "198.51.100.7", 1, "another long password")
    assert response.status_code == 401 and "from this network" in response.get_data(as_text=True)
    assert failures(app, "Ben", "198.51.100.8", 1, "another long password").status_code == 302


def test_a_stranger_cannot_lock_a_connector_out(app):
    response = failures(app, "Asha", "198.51.100.66", 6)
    assert "too many failed sign-ins for this name" in response.get_data(as_text=True)
    # The real Asha, elsewhere, still gets in.
    assert failures(app, "Asha", "192.0.2.1", 1, "correct horse battery").status_code == 302
    # Guessing from many addresses does pause the name everywhere ...
    for i in range(6):
        failures(app, "Asha", f"198.51.100.{i}", 5)
    response = failures(app, "Asha", "192.0.2.1", 1, "correct horse battery")
    assert response.status_code == 401 and "an admin can unlock it" in response.get_data(as_text=True)
    # ... until an admin unlocks it.
    admin = signed_in(app, "Admin", "admin password here")
    assert post(admin, "/workspace/users", {"action": "unlock", "name": "Asha"}).status_code == 302
    assert failures(app, "Asha", "192.0.2.1", 1, "correct horse battery").status_code == 302


# 16. Residents' form limits.

def suggest(client, **fields):
    return post(client, "/suggest", {"name": "Chair yoga", "details": "Tuesdays", **fields})


def suggestions(app):
    return sqlite_utils.Database(app.config["DATABASE"])["suggestions"].count


@pytest.fixture
def form_app(live_db):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "SECRET_KEY": "test only",
                       "SUGGESTION_MIN_SECONDS": 0})


def test_a_library_computer_is_not_locked_out_after_five_messages(form_app):
    library = form_app.test_client()
    for _ in range(12):
        assert suggest(library).status_code == 302
    assert suggestions(form_app) == 12


def test_suggestions_and_problem_reports_have_separate_limits(form_app):
    form_app.config["RATE_LIMITS"] = {"suggestion": (2, 3600), "problem": (1, 3600)}
    client = form_app.test_client()
    assert [suggest(client).status_code for _ in range(3)] == [302, 302, 400]
    report = "/assets/belgrave-library/report"
    assert post(client, report, {"problem": "closed"}).status_code == 302  # not blocked by the suggestions
    assert post(client, report, {"problem": "closed"}).status_code == 400
    assert suggestions(form_app) == 3


@pytest.mark.parametrize("proxies", [0, 1])
def test_trusted_proxies_decide_who_the_sender_is(live_db, proxies):
    app = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "SECRET_KEY": "test only",
                      "SUGGESTION_MIN_SECONDS": 0, "TRUSTED_PROXIES": proxies,
                      "RATE_LIMITS": {"suggestion": (1, 3600)}})
    client = app.test_client()
    codes = []
    for resident in ("192.0.2.10", "192.0.2.11"):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = resident
        codes.append(suggest(client).status_code)
    # Behind one proxy each resident has their own limit; with none, a forged header changes nothing.
    assert codes == ([302, 302] if proxies else [302, 400])


@pytest.mark.parametrize("proxies", [0, 1])
def test_forms_work_behind_a_proxy_that_ends_tls(live_db, proxies):
    app = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "SECRET_KEY": "test only",
                      "SUGGESTION_MIN_SECONDS": 0, "TRUSTED_PROXIES": proxies})
    client = app.test_client()
    client.environ_base.update(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="map.example.org")
    response = client.post("/suggest", data={"csrf_token": token(client, "/suggest"), "name": "Chair yoga"},
                           headers={"Origin": "https://map.example.org"})
    assert response.status_code == (302 if proxies else 400)


def test_an_old_form_token_cannot_be_replayed_to_skip_the_timer(form_app):
    form_app.config["SUGGESTION_MIN_SECONDS"] = 3
    client = form_app.test_client()
    with patch_token_clock(-10):  # a form shown ten seconds ago
        old = token(client, "/suggest")
    send = lambda: client.post("/suggest", data={"csrf_token": old, "name": "Chair yoga"}, headers={"Origin": ORIGIN})
    assert send().status_code == 302 and suggestions(form_app) == 1
    assert send().status_code == 302 and suggestions(form_app) == 1  # "thank you", but nothing kept


# 17. CSRF on every POST route, with expiring tokens.

class patch_token_clock:
    """Make the form tokens rendered inside the block look `offset` seconds older (or newer).

    Only the making of tokens is shifted: the app checks them, and the session cookie, with the real clock.
    """

    def __init__(self, offset):
        self.offset = offset

    def __enter__(self):
        import time

        from itsdangerous import TimestampSigner, URLSafeTimedSerializer

        from app.web import csrf

        offset = self.offset

        class ShiftedSigner(TimestampSigner):
            def get_timestamp(self):
                return int(time.time()) + offset

        self.original = csrf._serializer
        csrf._serializer = lambda: URLSafeTimedSerializer(
            __import__("flask").current_app.secret_key, salt="assetmap-form", signer=ShiftedSigner)

    def __exit__(self, *exc):
        from app.web import csrf
        csrf._serializer = self.original


SAMPLES = {"asset_id": "belgrave-library", "change_set": "1", "suggestion_id": "1", "token": "abc123",
           "trader_id": "a-trader", "recommendation_id": "1", "walk_id": "a-walk", "seq": "1", "capture_id": "1",
           "kiosk_id": "1", "slug": "belgrave-library"}


def post_routes(app):
    """Every URL in the app's URL map that accepts POST, with sample values for its parts."""
    import re

    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES[m.group(1)], rule.rule))
    return sorted(urls)


def everything(app):
    """What a POST could change: every live table's rows and the files uploaded for import."""
    from pathlib import Path

    db = sqlite_utils.Database(app.config["DATABASE"])
    tables = {t: list(db.execute(f"select * from [{t}]")) for t in (
        "users", "changes", "meta", "suggestions", "traders", "trader_checks", "recommendations",
        "trader_changes", "rate_events", "used_forms", "captures", "kiosks", "kiosk_changes", "kiosk_usage")}
    tables["assets"] = list(db.execute("select id, status, version, last_verified from assets"))
    uploads = Path(app.instance_path) / "uploads"
    return tables, sorted(uploads.iterdir()) if uploads.exists() else []


def test_the_post_route_list_is_complete(app):
    urls = post_routes(app)
    assert {"/workspace/sign-in", "/workspace/sign-out", "/suggest", "/assets/belgrave-library/report",
            "/traders/a-trader/recommend", "/workspace/import", "/workspace/import/abc123"} <= set(urls)
    assert len(urls) >= 15


def test_every_post_route_refuses_a_missing_or_expired_token(app, area):
    import io

    from app import store
    from app.accounts import User
    from app.kiosks.kiosk import save_kiosk

    db = store.connect(app.config["DATABASE"])  # a kiosk, so that its usage counter is reached
    save_kiosk(db, area, User(1, "Asha", "connector"), {"name": "Belgrave Library", "place": "belgrave-library"})
    db.conn.close()
    admin = signed_in(app, "Admin", "admin password here")
    with patch_token_clock(-(4 * 60 * 60 + 60)):
        expired = token(admin, "/workspace/users")
    before = everything(app)
    form = {"name": "Asha", "password": "admin password here", "status": "hidden", "action": "approve",
            "role": "admin", "problem": "closed", "given_name": "P", "job": "Boiler", "reason": "spam",
            "digest": "x", "back": "/workspace/"}
    for url in post_routes(app):
        for extra in ({}, {"csrf_token": expired}, {"csrf_token": "not a token"}):
            data = {**form, **extra, "file": (io.BytesIO(b"name,category,postcode\nX,library,LE4 6JD\n"), "a.csv")}
            response = admin.post(url, data=data, content_type="multipart/form-data", headers={"Origin": ORIGIN})
            assert response.status_code == 400, (url, extra)
            assert "This form has expired" in response.get_data(as_text=True)
    assert everything(app) == before
    assert admin.get("/workspace/").status_code == 200  # sign-out without a token did not sign out


def test_a_fresh_token_from_the_same_session_still_works(app):
    admin = signed_in(app, "Admin", "admin password here")
    with patch_token_clock(-(4 * 60 * 60 - 60)):  # shown nearly four hours ago
        nearly = token(admin, "/workspace/users")
    response = admin.post("/workspace/assets/belgrave-library/verify", data={"csrf_token": nearly},
                          headers={"Origin": ORIGIN})
    assert response.status_code == 302


# 18. Security headers.

@pytest.fixture
def tiled_app(live_db):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "SECRET_KEY": "test only",
                       "TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png"})


def csp(response) -> dict[str, str]:
    return {d.split()[0]: d.partition(" ")[2] for d in response.headers["Content-Security-Policy"].split("; ")}


@pytest.mark.parametrize("url", ["/", "/map", "/assets/belgrave-library", "/api/assets?limit=1", "/api/wards.geojson",
                                 "/static/site.css", "/vendor/leaflet/leaflet.js", "/no-such-page", "/traders/",
                                 "/suggest", "/workspace/sign-in", "/workspace/"])
def test_every_response_carries_the_security_headers(tiled_app, url):
    response = tiled_app.test_client().get(url)
    policy = csp(response)
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["img-src"] == "'self' data: https://tiles.example.org"
    assert policy["connect-src"] == "'self'" and policy["style-src"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http: HSTS would mean nothing
    workspace = url.startswith("/workspace")
    assert (response.headers.get("Cache-Control") == "no-store") == workspace


def test_inline_scripts_run_only_with_this_responses_nonce(tiled_app):
    import re

    client = tiled_app.test_client()
    first, second = client.get("/map"), client.get("/map")
    nonces = []
    for response in (first, second):
        nonce = re.fullmatch(r"'self' 'nonce-([\w-]{16,})'", csp(response)["script-src"]).group(1)
        scripts = re.findall(r"<script([^>]*)>", response.get_data(as_text=True))
        assert f' nonce="{nonce}"' in scripts  # the map's own script
        assert all("src=" in s or s == f' nonce="{nonce}"' for s in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_no_tiles_means_no_other_host_at_all(app):
    assert csp(app.test_client().get("/map"))["img-src"] == "'self' data:"


def test_hsts_only_over_tls(live_db):
    direct = create_app({"TESTING": True, "DATABASE": str(live_db), "SECRET_KEY": "test only", "TILE_URL": ""})
    assert direct.test_client().get("/", base_url="https://localhost").headers["Strict-Transport-Security"] \
        == "max-age=31536000"
    behind = create_app({"TESTING": True, "DATABASE": str(live_db), "SECRET_KEY": "test only", "TILE_URL": "",
                         "TRUSTED_PROXIES": 1})
    response = behind.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in behind.test_client().get("/").headers


def test_recommendations_have_their_own_bucket(live_db):
    from test_traders import listed

    from app import ratelimit, store
    from app.assets import suggestions
    from app.traders import directory as traders

    db = store.connect(live_db)
    trader_id = listed(db)
    for _ in range(20):
        suggestions.submit(db, "new", {"name": "Chair yoga"}, "192.0.2.50")
    with pytest.raises(suggestions.SuggestionError):
        suggestions.submit(db, "new", {"name": "Chair yoga"}, "192.0.2.50")
    recommend = lambda: traders.recommend(db, trader_id, {"given_name": "P", "job": "Boiler"}, "192.0.2.50")
    for _ in range(ratelimit.DEFAULTS["recommendation"][0]):
        recommend()  # not blocked by the full suggestion bucket
    with pytest.raises(traders.TraderError) as refused:
        recommend()
    assert refused.value.message == "too_many"


def test_a_page_with_no_inline_script_allows_none(tiled_app):
    """Only a page that writes an inline script (the map, a listing's data) gets a nonce for it."""
    client = tiled_app.test_client()
    for url in ("/", "/?postcode=LE4+5AD", "/wards", "/about", "/traders/"):
        response = client.get(url)
        assert csp(response)["script-src"] == "'self'", url
        assert "nonce=" not in response.get_data(as_text=True), url
    assert "'nonce-" in csp(client.get("/map"))["script-src"]
