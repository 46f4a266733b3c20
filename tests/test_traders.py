"""Trust a trader: listing rule, checks and expiry, recommendations and moderation, search, safety."""
import math
import re
import shutil
from datetime import date

import numpy as np
import pytest
import sqlite_utils
from test_workspace import NOW, ORIGIN, post, sign_in

from app import create_app, store
from app.accounts import User
from app.traders import directory as traders

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
    assert "Review by B., Evington – September 2026" in page  # would not use again: not a recommendation
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


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-03", "2026-3", "March 2026", "2099-01"])
def test_an_impossible_job_month_is_refused_with_a_clear_message(client, db, month):
    trader_id = listed(db)
    response = post(client, f"/traders/{trader_id}/recommend", {"given_name": "Ben", "job": "Boiler service",
                                                                 "job_month": month})
    assert response.status_code == 400
    assert "Please give the month and year of the job" in response.get_data(as_text=True)
    assert db.execute("select count(*) from recommendations where job_month = ?", [month]).fetchone()[0] == 0


def test_a_bad_stored_job_month_never_breaks_a_public_page(client, db):
    trader_id = listed(db)
    db.execute("update recommendations set job_month = '2026-13'")
    db.conn.commit()
    response = client.get(f"/traders/{trader_id}")
    assert response.status_code == 200
    assert "Quick and tidy" in response.get_data(as_text=True)


def test_paper_recommendations_keep_no_contact(client, db):
    trader_id = listed(db)
    sign_in(client)
    response = post(client, f"/workspace/traders/{trader_id}/paper", {"given_name": "R", "job": "New lock",
                    "contact": CONTACT}, page=f"/workspace/traders/{trader_id}")
    assert response.status_code == 302
    assert db.execute("select count(*) from recommendations where channel = 'paper'").fetchone()[0] == 1
    assert db.execute("select count(*) from recommendations where contact is not null").fetchone()[0] == 0
    assert CONTACT not in client.get(f"/workspace/traders/{trader_id}").get_data(as_text=True)
    bad = post(client, f"/workspace/traders/{trader_id}/paper", {"given_name": "R", "job": "Tap", "job_month": "2026-13"},
               page=f"/workspace/traders/{trader_id}")
    assert bad.status_code == 400 and "The month must be a real month" in bad.get_data(as_text=True)


def listed_at(db, name, base, areas):
    """List a trader based at a postcode, recommended on paper (so no sender limit applies)."""
    trader_id = traders.save_trader(db, ASHA, {"name": name, "trades": ["plumber"], "areas": areas, "base_postcode": base})
    traders.recommend(db, trader_id, {"given_name": "Pramila", "job": "Fixed a leak"}, "", channel="paper", moderator=ASHA)
    traders.add_check(db, ASHA, trader_id, "id_seen", TODAY)
    traders.set_status(db, ASHA, trader_id, "listed", "", 1, 1, TODAY)
    return trader_id


def _attacker_candidates(db, answers: dict[str, str]) -> np.ndarray:
    """Every area postcode (easting, northing) that could be a trader's base, given the "How far" each search showed.

    The attacker knows how the site works: a figure such as "1.3 km" is the rounded distance from the searched
    postcode to the base; a band ("Under 2 km", "2 to 5 km", "Over 5 km") is measured to the middle of the base's ward.
    """
    from app.places.geocode import wgs84_to_bng

    rows = db.execute("select p.easting, p.northing, w.centroid_lat, w.centroid_lon from postcodes p "
                      "left join wards w on w.ward_code = p.ward_code where p.easting is not null").fetchall()
    points = np.array([(r[0], r[1]) for r in rows])
    in_ward = np.array([r[2] is not None for r in rows])
    e, n = wgs84_to_bng([r[2] if r[2] is not None else 0 for r in rows], [r[3] if r[3] is not None else 0 for r in rows])
    centres = np.column_stack([e, n])
    marks = ",".join("?" * len(answers))
    origins = {r[0]: (r[1], r[2]) for r in db.execute(
        f"select postcode, easting, northing from postcodes where postcode in ({marks})", list(answers))}
    possible = np.ones(len(points), dtype=bool)
    for postcode, text in answers.items():
        origin = np.array(origins[postcode])
        if not text:                                    # no distance shown: a base outside every ward
            possible &= ~in_ward
            continue
        figure = re.fullmatch(r"([\d.]+) km", text)
        if figure:
            km = float(figure.group(1))
            lo, hi, anchor = (km - 0.05) * 1000, (km + 0.05) * 1000, points
        else:
            numbers = [float(x) * 1000 for x in re.findall(r"\d+", text)]
            lo, hi = (0, numbers[0]) if text.startswith("Under") else (numbers[0], math.inf) \
                if text.startswith("Over") else (numbers[0], numbers[1])
            anchor = centres
            possible &= in_ward
        distance = np.hypot(*(anchor - origin).T)
        possible &= (distance >= lo) & (distance <= hi)
    return points[possible]


def test_how_far_cannot_be_triangulated_to_a_traders_base(client, db):
    import shapely

    bases = ["LE1 5YA", "LE4 6JD", "LE1 3HN", "LE3 0QU", "LE5 6LN", "LE3 5BE"]
    wards = [r[0] for r in db.execute("select ward_code from wards")]
    for i, base in enumerate(bases):
        listed_at(db, f"Target {i}", base, wards)
    # Search from real postcodes all over the city, as many times as an attacker likes.
    city = [r[0] for r in db.execute("select postcode from postcodes where ward_code is not null order by postcode")]
    searches = city[::60]
    answers = {base: {} for base in bases}
    for postcode in searches:
        html = client.get("/traders/", query_string={"postcode": postcode, "sort": "nearest"}).get_data(as_text=True)
        for i, base in enumerate(bases):
            block = html.split(f">Target {i}</bdi></a>", 1)[1].split("</dl>", 1)[0]
            how_far = re.search(r"<dt>How far[^<]*</dt><dd>([^<]*)</dd>", block)
            answers[base][postcode] = how_far.group(1) if how_far else ""
    for base in bases:
        truth = np.array(db.execute("select easting, northing from postcodes where postcode = ?", [base]).fetchone())
        candidates = _attacker_candidates(db, answers[base])
        assert any(np.allclose(c, truth) for c in candidates), base  # the attacker's reading of the page is right
        # Every postcode in the base's ward gave the same answers, so the attacker learns the ward at best.
        ward = np.array(db.execute("select easting, northing from postcodes where ward_code = "
                                   "(select ward_code from postcodes where postcode = ?)", [base]).fetchall())
        assert {tuple(p) for p in ward} <= {tuple(c) for c in candidates}, base
        # No single guess is within 500 m of every base the answers allow.
        radius = shapely.minimum_bounding_radius(shapely.multipoints(candidates)) if len(candidates) > 1 else 0
        assert radius > 500, (base, radius, len(candidates))


def test_nearest_first_orders_within_a_band_by_recommendations_and_name_not_distance(db):
    # Both based in Belgrave, so in the same band from anywhere; Zenith's base is the searcher's own postcode.
    listed_at(db, "Zenith Plumbing", "LE4 6JD", ["Belgrave"])
    listed_at(db, "Aardvark Plumbing", "LE4 5GJ", ["Belgrave"])
    near = db.execute("select easting, northing from postcodes where postcode = 'LE4 6JD'").fetchone()
    found = traders.find_traders(db, 1, 1, TODAY, sort="nearest", near=tuple(near))
    assert [t["name"] for t in found] == ["Aardvark Plumbing", "Zenith Plumbing"]
    assert found[0]["distance_band"] == found[1]["distance_band"] == 0
    assert not any(key in t for t in found for key in ("base_postcode", "base_easting", "distance_m"))


def test_a_would_not_use_again_review_is_not_a_recommendation(client, db):
    trader_id = listed(db)
    traders.recommend(db, trader_id, {"given_name": "Mrs K.", "ward_code": "E05010464", "job": "Boiler service",
                                      "job_month": "2026-09", "would_use_again": "0", "comments": "Two hours late"},
                      "", channel="paper", moderator=ASHA)
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert "Review by K., Evington – September 2026" in page
    assert "Recommended by K." not in page and "Recommended by M." not in page
    assert "Recommended by P., Castle – March 2026" in page
    assert traders.standing(db, trader_id, TODAY).recommended == 1
    assert "1 recommendation<" in client.get("/traders/?trade=plumber").get_data(as_text=True)
    # Nor does it count toward the listing rule.
    other = make_trader(db, name="Grumble Gas")
    traders.recommend(db, other, {"given_name": "Ben", "job": "Boiler", "would_use_again": "0"}, "",
                      channel="paper", moderator=ASHA)
    traders.add_check(db, ASHA, other, "id_seen", TODAY)
    with pytest.raises(traders.TraderError, match="at least 1 approved"):
        traders.set_status(db, ASHA, other, "listed", "", 1, 1, TODAY)


@pytest.mark.parametrize("given, shown", [("Mrs K.", "K."), ("Mrs K", "K."), ("Dr. Anil Shah", "A."), ("Pramila", "P."),
                                          ("K.P.", "K.P."), ("Mr K P", "K. P."), ("Jo.", "J.")])
def test_reviews_show_the_initial_of_a_name_not_of_a_title(client, db, given, shown):
    trader_id = listed(db)
    traders.recommend(db, trader_id, {"given_name": given, "job": "New tap", "would_use_again": "1"}, "",
                      channel="paper", moderator=ASHA)
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert re.search(rf"Recommended by {re.escape(shown)}(,|\s*<)", page)


def test_postcode_search_finds_traders_serving_its_district(client, db):
    listed_at(db, "District Drains", "LE4 6JD", ["LE5"])           # serves the district, not the ward by name
    listed_at(db, "Elsewhere Electrics", "LE4 6JD", ["LE3"])
    page = client.get("/traders/", query_string={"postcode": "LE5 6LN"}).get_data(as_text=True)  # Evington, LE5
    assert "District Drains" in page and "Elsewhere Electrics" not in page


def test_residents_report_a_problem_with_a_trader_to_the_connectors_queue(client, app, db):
    trader_id = listed(db)
    page = client.get(f"/traders/{trader_id}").get_data(as_text=True)
    assert f'href="/traders/{trader_id}/report"' in page and "Report a problem" in page
    form = client.get(f"/traders/{trader_id}/report").get_data(as_text=True)
    assert 'name="csrf_token"' in form and 'name="homepage"' in form
    assert client.post(f"/traders/{trader_id}/report", data={"problem": "bad_work"},
                       headers={"Origin": ORIGIN}).status_code == 400          # no CSRF token
    missing = post(client, f"/traders/{trader_id}/report", {"details": "x"})
    assert missing.status_code == 400 and "Please choose what is wrong." in missing.get_data(as_text=True)
    sent = post(client, f"/traders/{trader_id}/report", {"problem": "bad_work", "details": EVIL, "contact": CONTACT})
    assert sent.status_code == 302 and "Set-Cookie" not in sent.headers
    assert post(client, f"/traders/{trader_id}/report", {"problem": "other", "homepage": "bot"}).status_code == 302
    assert client.get("/traders/no-such-trader/report").status_code == 404
    rows = db.execute("select trader_id, asset_id, problem, contact from suggestions").fetchall()
    assert [tuple(r) for r in rows] == [(trader_id, None, "bad_work", CONTACT)]   # the bot's was dropped
    sign_in(client)
    queue = client.get("/workspace/suggestions").get_data(as_text=True)
    assert "Problem with trader" in queue and "Patel Plumbing" in queue and CONTACT in queue
    assert "<script>alert(1)</script>" not in queue
    own_page = client.get(f"/workspace/traders/{trader_id}").get_data(as_text=True)
    assert "1 open problem report(s) from residents" in own_page and "bad work" in own_page
    assert "<script>alert(1)</script>" not in own_page
    suggestion_id = db.execute("select id from suggestions").fetchone()[0]
    done = post(client, f"/workspace/suggestions/{suggestion_id}", {"action": "accept"}, page="/workspace/suggestions")
    assert done.status_code == 302
    assert db.execute("select status, contact from suggestions").fetchone()[:] == ("accepted", None)



def test_an_unknown_area_is_explained_without_naming_one_places_postcodes(db):
    with pytest.raises(traders.TraderError) as refused:
        traders.save_trader(db, ASHA, {"name": "Anywhere Plumbing", "trades": ["plumber"], "areas": ["Nowhere Town"]})
    assert "neither a ward of this area nor a postcode district" in str(refused.value)
    assert not re.search(r"\bLE\d", str(refused.value))  # the words suit any council's area
