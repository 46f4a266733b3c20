"""Trust a trader: listing rule, checks and expiry, recommendations and moderation, search, safety."""
import re
import shutil
from datetime import date

import pytest
import sqlite_utils
from test_workspace import NOW, ORIGIN, post, sign_in

from app import create_app, store, traders
from app.users import User

ASHA = User(1, "Asha", "connector")
TODAY = NOW.date()
CONTACT = "pramila@example.org"
EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


@pytest.fixture
def db_path(live_db):
    return live_db


@pytest.fixture
def db(db_path):
    return store.connect(db_path)


@pytest.fixture
def app(db_path):
    return create_app({"TESTING": True, "DATABASE": str(db_path), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False, "SUGGESTION_MIN_SECONDS": 0})


def make_trader(db, name="Patel Plumbing", trades=("plumber",), areas=("Belgrave", "LE5"), languages="Gujarati; English"):
    return traders.save_trader(db, ASHA, {"name": name, "trades": list(trades), "areas": list(areas),
                                          "languages": languages, "phone": "0116 000 0000", "base_postcode": "LE4 6JD",
                                          "memberships": [{"scheme": "gas_safe", "number": "123456"}]})


def approved(db, trader_id, **fields):
    rec = traders.recommend(db, trader_id, {"given_name": "Pramila", "ward_code": "E05010463", "job": "Fixed a leak",
                                            "job_month": "2026-03", "would_use_again": "1", "comments": "Quick and tidy",
                                            "contact": CONTACT, **fields}, "10.0.0.1")
    traders.moderate(db, ASHA, rec, True)
    return rec


def listed(db, **kwargs):
    trader_id = make_trader(db, **kwargs)
    approved(db, trader_id)
    traders.add_check(db, ASHA, trader_id, "insurance_seen", date(2026, 3, 3), expires_on=date(2027, 3, 1))
    traders.set_status(db, ASHA, trader_id, "listed", "", 1, 1, TODAY)
    return trader_id


def test_listing_needs_a_recommendation_and_a_check(db):
    trader_id = make_trader(db)
    with pytest.raises(traders.TraderError, match="at least 1 approved"):
        traders.set_status(db, ASHA, trader_id, "listed", "", 1, 1, TODAY)
    approved(db, trader_id)
    with pytest.raises(traders.TraderError):
        traders.set_status(db, ASHA, trader_id, "listed", "", 1, 1, TODAY)
    traders.add_check(db, ASHA, trader_id, "id_seen", TODAY)
    traders.set_status(db, ASHA, trader_id, "listed", "", 1, 1, TODAY)
    assert [t["id"] for t in traders.public_traders(db, 1, 1, TODAY)] == [trader_id]
    assert traders.public_traders(db, 2, 1, TODAY) == []  # the numbers are configuration
    with pytest.raises(traders.TraderError, match="say why"):
        traders.set_status(db, ASHA, trader_id, "suspended", "", 1, 1, TODAY)
    traders.set_status(db, ASHA, trader_id, "suspended", "Complaint being looked into", 1, 1, TODAY)
    assert traders.public_traders(db, 1, 1, TODAY) == []
    reasons = [r[0] for r in db.execute("select note from trader_changes where action = 'status'")]
    assert "Complaint being looked into" in reasons


def test_pending_traders_are_not_public(client, db):
    trader_id = make_trader(db)
    assert client.get(f"/traders/{trader_id}").status_code == 404
    assert "Patel Plumbing" not in client.get("/traders/?trade=plumber").get_data(as_text=True)


def test_moderation_round_trip_with_a_negative_review_and_a_reply(client, app, db):
    trader_id = listed(db)
    response = post(client, f"/traders/{trader_id}/recommend", {
        "given_name": "Ben", "ward_code": "E05010464", "job": "Boiler service", "job_month": "2026-09",
        "would_use_again": "0", "comments": "Arrived two hours late", "contact": CONTACT})
    assert response.status_code == 302
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert "Arrived two hours late" not in page  # waits for moderation
    sign_in(client)
    queue = client.get("/workspace/traders/recommendations").get_data(as_text=True)
    assert "Arrived two hours late" in queue and CONTACT in queue
    rec_id = re.search(r"/workspace/traders/recommendations/(\d+)", queue).group(1)
    post(client, f"/workspace/traders/recommendations/{rec_id}", {"action": "approve",
         "reply": "Sorry: a van broke down; we have changed our booking system"}, page="/workspace/traders/recommendations")
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert "Recommended by B., Evington – September 2026" in page
    assert "Arrived two hours late" in page and "Would use them again: No" in page
    assert "a van broke down" in page
    assert "Recommended by P., Castle – March 2026" in page and "Quick and tidy" in page
    contacts = [r[0] for r in db.execute("select contact from recommendations")]
    assert contacts == [None, None]  # deleted once moderated


def test_a_rejected_recommendation_is_not_shown(db):
    trader_id = listed(db)
    rec = traders.recommend(db, trader_id, {"given_name": "X", "job": "n/a", "comments": "abuse"}, "10.0.0.2")
    traders.moderate(db, ASHA, rec, False)
    assert [r["comments"] for r in traders.recommendations_of(db, trader_id)] == ["Quick and tidy"]


def test_paper_feedback_is_marked(client, app, db):
    trader_id = listed(db)
    sign_in(client)
    post(client, f"/workspace/traders/{trader_id}/paper", {"given_name": "Mrs K", "job": "New tap", "job_month": "2026-10",
         "would_use_again": "1", "comments": "Sent by post"}, page=f"/workspace/traders/{trader_id}")
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert "Sent by post" in page and "Sent on paper" in page


def test_expired_insurance_and_old_checks_are_shown_and_sink(client, db):
    listed(db, name="Able Electrics", trades=("electrician", "plumber"))
    lapsed = listed(db, name="Aardvark Plumbing")
    traders.add_check(db, ASHA, lapsed, "insurance_seen", date(2026, 10, 5), expires_on=date(2026, 11, 1))
    names = [t["name"] for t in traders.find_traders(db, 1, 1, TODAY, trade="plumber")]
    assert names == ["Able Electrics", "Aardvark Plumbing"]  # expired insurance sinks
    page = client.get(f"/traders/{lapsed}").get_data(as_text=True)
    assert "The insurance we saw has expired." in page
    old = listed(db, name="AAA Roofing", trades=("roofer",))
    db.execute("update trader_checks set checked_on = '2025-06-01' where trader_id = ?", [old])
    db.conn.commit()
    assert traders.standing(db, old, TODAY).stale_checks == ["insurance_seen"]
    assert "Some checks are over a year old." in client.get(f"/traders/{old}").get_data(as_text=True)


def test_checks_are_shown_in_plain_words(client, db):
    trader_id = listed(db)
    traders.add_check(db, ASHA, trader_id, "registration_confirmed", date(2026, 3, 3), detail="gas_safe")
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert "Insurance seen by a connector on 3 March 2026, valid to 1 March 2027" in page
    assert "Gas Safe Register registration confirmed by a connector on 3 March 2026" in page
    claimed = page.split("Gas Safe Register 123456:", 1)[1].split("</li>", 1)[0]
    assert "checked by a connector" in claimed and "not checked yet" not in claimed


def test_claimed_memberships_are_not_shown_as_checked(client, db):
    trader_id = listed(db)
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert "as the trader told us; not checked yet" in page


def test_search_by_trade_area_and_language(client, db):
    gujarati = listed(db, name="Shah Plumbing", areas=("Belgrave",), languages="Gujarati; Hindi")
    listed(db, name="Smith Plumbing", areas=("Castle",), languages="English")
    listed(db, name="Belgrave Sparks", trades=("electrician",), areas=("belgrave",), languages="Gujarati")
    found = lambda **kw: [t["name"] for t in traders.find_traders(db, 1, 1, TODAY, **kw)]  # noqa: E731
    assert found(trade="plumber", ward_code="E05010461") == ["Shah Plumbing"]
    assert found(trade="plumber", language="gujarati") == ["Shah Plumbing"]
    assert found(postcode="LE4 6JD") == []            # district LE4 is not in anyone's list
    assert found(trade="plumber", q="smith") == ["Smith Plumbing"]
    page = client.get("/traders/?trade=plumber&ward=belgrave&language=Gujarati").get_data(as_text=True)
    assert "Shah Plumbing" in page and "Smith Plumbing" not in page and "Belgrave Sparks" not in page
    assert f'href="/traders/{gujarati}"' in page and "Staying safe" in page and "0808 223 1133" in page


def test_printable_sheet(client, db):
    listed(db, name="Shah Plumbing", areas=("Evington",))
    page = client.get("/traders/sheet?ward=evington").get_data(as_text=True)
    assert "Trusted traders for Evington" in page and "Shah Plumbing" in page and "Staying safe" in page
    assert client.get("/traders/sheet?ward=narnia").status_code == 404


def test_recommenders_contact_never_appears(client, app, db, tmp_path):
    trader_id = listed(db)
    traders.recommend(db, trader_id, {"given_name": "Z", "job": "Tap", "contact": CONTACT}, "10.0.0.3")  # pending
    for url in ("/traders/", f"/traders/{trader_id}", "/traders/sheet?ward=belgrave", "/api/assets", "/"):
        assert CONTACT not in client.get(url).get_data(as_text=True), url
    from click.testing import CliRunner

    from app.cli import cli
    out = tmp_path / "traders.csv"
    CliRunner().invoke(cli, ["traders", "export", "--db", app.config["DATABASE"], "--out", str(out)])
    assert out.exists() and CONTACT not in out.read_text(encoding="utf-8")


def test_hostile_text_is_escaped_and_forms_need_csrf(client, db):
    trader_id = listed(db, name=EVIL)
    approved(db, trader_id, comments=EVIL, given_name=EVIL[:40])
    for url in (f"/traders/{trader_id}", "/traders/?trade=plumber", "/traders/sheet?ward=belgrave"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert client.post(f"/traders/{trader_id}/recommend", data={"given_name": "A", "job": "B"},
                       headers={"Origin": ORIGIN}).status_code == 400
    assert client.post("/workspace/traders/new", data={"name": "x"}, headers={"Origin": ORIGIN}).status_code == 400


def test_connector_adds_and_lists_a_trader_in_the_workspace(client, db):
    sign_in(client)
    response = post(client, "/workspace/traders/new", {"name": "Mistry Locksmiths", "trades": "locksmith",
                                                        "areas": "Belgrave, LE4", "languages": "Gujarati",
                                                        "has_trustmark": "1", "member_trustmark": "TM-1"},
                    page="/workspace/traders/new")
    assert response.status_code == 302
    trader_id = response.headers["Location"].rsplit("/", 1)[1]
    bad = post(client, f"/workspace/traders/{trader_id}/status", {"status": "listed"}, page=f"/workspace/traders/{trader_id}")
    assert bad.status_code == 400 and "at least 1 approved" in bad.get_data(as_text=True)
    post(client, f"/workspace/traders/{trader_id}/checks", {"kind": "insurance_seen", "checked_on": "2026-11-20",
         "expires_on": "2027-11-19"}, page=f"/workspace/traders/{trader_id}")
    post(client, f"/workspace/traders/{trader_id}/paper", {"given_name": "R", "job": "New lock"},
         page=f"/workspace/traders/{trader_id}")
    assert post(client, f"/workspace/traders/{trader_id}/status", {"status": "listed"},
                page=f"/workspace/traders/{trader_id}").status_code == 302
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert "Mistry Locksmiths" in page and "TrustMark TM-1" in page


def test_traders_export_and_import_round_trip(db, db_path, tmp_path):
    from click.testing import CliRunner

    from app.cli import cli

    listed(db, name="=Shah Plumbing")
    out = tmp_path / "traders.csv"
    result = CliRunner().invoke(cli, ["traders", "export", "--db", str(db_path), "--out", str(out)])
    assert "Wrote 1 traders" in result.output
    row = out.read_text(encoding="utf-8").splitlines()[1]
    assert row.startswith("shah-plumbing,'=Shah Plumbing,plumber,E05010461; LE5,LE4 6JD")
    fresh = tmp_path / "fresh.db"
    shutil.copy(db_path, fresh)
    conn = sqlite_utils.Database(fresh)
    conn.execute("delete from trader_checks")
    conn.execute("delete from recommendations")
    conn.execute("delete from traders")
    conn.conn.commit()
    result = CliRunner().invoke(cli, ["traders", "import", str(out), "--db", str(fresh)])
    assert result.exit_code == 0 and "Saved 1 traders" in result.output
    [imported] = list(sqlite_utils.Database(fresh).query("select * from traders"))
    assert imported["name"] == "=Shah Plumbing" and imported["status"] == "pending"
    assert imported["memberships"] == '[{"scheme": "gas_safe", "number": "123456"}]'
