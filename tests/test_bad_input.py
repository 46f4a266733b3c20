"""Odd, hostile or oversized input gets a clear answer, never a server error or an echo."""
from __future__ import annotations

import pytest

CONTROL_QUERIES = ["%00", "a%00b", "%1b%5b31m", "%7f", "%c2%85"]  # NUL, escape, DEL, NEL (C1)


@pytest.mark.parametrize("path", ["/", "/map", "/api/assets", "/api/assets.geojson"])
@pytest.mark.parametrize("q", CONTROL_QUERIES)
def test_control_characters_in_words_are_not_a_server_error(client, path, q):
    response = client.get(f"{path}?q={q}")
    assert response.status_code == 200


def test_words_around_a_control_character_still_find_listings(client):
    plain = client.get("/api/assets?q=library").get_json()
    with_nul = client.get("/api/assets?q=library%00").get_json()
    assert plain["total"] > 0
    assert [a["id"] for a in with_nul["assets"]] == [a["id"] for a in plain["assets"]]


@pytest.mark.parametrize("path", ["/", "/map", "/api/assets", "/api/assets.geojson", "/traders/", "/wards"])
def test_a_huge_query_gets_a_short_400(client, path):
    response = client.get(path + "?q=" + "x" * 100_000)
    assert response.status_code == 400
    assert len(response.data) < 2000
    assert b"xxxxxxxxxx" not in response.data
    assert b"too long" in response.data


@pytest.mark.parametrize("path", ["/", "/api/assets"])
def test_twenty_thousand_junk_parameters_get_a_short_400(client, path):
    response = client.get(path + "?" + "&".join(f"junk{i}=1" for i in range(20_000)))
    assert response.status_code == 400
    assert len(response.data) < 2000
    assert b"junk1" not in response.data


def test_api_says_why_in_json(client):
    response = client.get("/api/assets?q=" + "x" * 100_000)
    assert response.status_code == 400
    assert "too long" in response.get_json()["error"]


def test_a_real_search_with_every_filter_is_not_refused(client):
    response = client.get("/?postcode=LE4+6JD&radius=2000&category=library&day=thu&free=1&today=1"
                          "&access=Step-free&access=Hearing+loop&language=Gujarati&q=library&page=2")
    assert response.status_code == 200


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: would flip the text after it, even outside the name


@pytest.fixture
def rlo_client(tmp_path, area):
    from conftest import write_csv

    from app import create_app
    from app.assets.pipeline import build

    rows = [{"id": "flipped", "name": f"Lunch club {RLO}eerf", "description": f"Tea {RLO}and cake",
             "category": "group_activity", "postcode": "LE5 5AA", "cost": f"{RLO}5£", "source": "test"}]
    assert build(area, tmp_path / "rlo.db", write_csv(tmp_path / "assets.csv", rows)).rejected == 0
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / "rlo.db")}).test_client()


@pytest.mark.parametrize("path", ["/assets/flipped", "/?postcode=LE5+5AA", "/map", "/wards/spinney-hills"])
def test_right_to_left_override_in_user_text_is_isolated(rlo_client, path):
    html = rlo_client.get(path).get_data(as_text=True)
    assert f"<bdi>Lunch club {RLO}eerf</bdi>" in html
    if path == "/assets/flipped":
        assert f'<p dir="auto">Tea {RLO}and cake</p>' in html
    for found in range(html.count(RLO)):
        # Every override sits inside something that isolates it: <bdi>, an element with dir="auto",
        # or (in the <title>, which cannot hold tags) Unicode's first-strong isolate … pop isolate.
        at = [i for i in range(len(html)) if html.startswith(RLO, i)][found]
        opened = max(html.rfind("<bdi>", 0, at), html.rfind('dir="auto">', 0, at), html.rfind("\u2068", 0, at))
        closed = max(html.rfind("</bdi>", 0, at), html.rfind("</p>", 0, at), html.rfind("\u2069", 0, at))
        assert opened > closed, html[at - 80:at + 20]
