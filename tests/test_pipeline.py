import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date

import pytest
import sqlite_utils
from conftest import TEST_DATA, write_csv

from app import store
from app.assets.pipeline import build
from app.assets.record import CsvFileError

TODAY = date(2026, 11, 26)


def tables(db_path, skip=("built_at",)):
    """Every table's rows, in a stable order, leaving out the build time."""
    db = sqlite_utils.Database(db_path)
    out = {}
    for table in db.table_names():
        if table.startswith("assets_fts_"):
            continue  # FTS5's own shadow tables; assets_fts itself is compared
        rows = [dict(r) for r in db.query(f"select * from [{table}] order by rowid")]
        out[table] = [{k: v for k, v in row.items() if k not in skip} for row in rows]
    return out


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory, area):
    tmp = tmp_path_factory.mktemp("bad")
    report = build(area, tmp / "assets.db", TEST_DATA / "every_bad_input.csv", rejects_path=tmp / "rejects.csv",
                   today=TODAY)
    return tmp, report


def expectations():
    with open(TEST_DATA / "every_bad_input.csv", encoding="utf-8", newline="") as handle:
        return [(i + 2, row) for i, row in enumerate(csv.DictReader(handle))]


def test_every_bad_input_gets_its_own_message(bad_build):
    _, report = bad_build
    by_row = {}
    for problem in report.problems:
        by_row.setdefault(problem.row, []).append(problem)
    for row_number, row in expectations():
        expect = row["expect"]
        problems = by_row.get(row_number, [])
        if expect == "imported":
            assert problems == [], (row_number, problems)
            continue
        warning = expect.startswith("warning: ")
        severity, fragment = ("warning", expect[len("warning: "):]) if warning else ("error", expect)
        assert any(fragment in p.message and p.severity == severity for p in problems), (row_number, expect, problems)


def test_nothing_is_lost(bad_build):
    tmp, report = bad_build
    rows = expectations()
    rejected = [n for n, row in rows if row["expect"] not in ("imported",) and not row["expect"].startswith("warning: ")]
    assert report.rows_read == len(rows) == 23
    assert report.rejected == len(rejected) == 16
    assert report.imported == 7
    assert report.warned == 4
    assert report.rows_read == report.imported + report.rejected
    db = sqlite_utils.Database(tmp / "assets.db")
    assert db["assets"].count == report.imported


def test_rejects_file_keeps_original_values_and_reason(bad_build):
    tmp, report = bad_build
    with open(tmp / "rejects.csv", encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.reader(handle))
    header, body = rejects[0], rejects[1:]
    assert header[-1] == "reason"
    assert header[:-1] == next(csv.reader(open(TEST_DATA / "every_bad_input.csv", encoding="utf-8")))
    assert len(body) == report.rejected
    chat = next(r for r in body if r[1] == "Chat 'n' Natter")
    assert chat[3] == "LE5 5A"  # as written, not normalised
    assert chat[-1] == ("row 5, column postcode: 'LE5 5A' is not in the shape of a UK postcode "
                        "(letters and a number, then a number and two letters)")
    stray = next(r for r in body if r[1] == "Stray comma group")
    assert "stray" in stray


def test_imported_rows_are_intact(bad_build):
    tmp, _ = bad_build
    db = sqlite_utils.Database(tmp / "assets.db")
    gujarati = next(db.query("select * from assets where name like '%Gujarati%'"))
    assert gujarati["name"] == "વાંચન મંડળ (Gujarati reading circle)"
    assert gujarati["description"] == "ਪੰਜਾਬੀ ਅਤੇ اردو میں خوش آمدید"
    assert json.loads(gujarati["extra"]) == {"expect": "imported"}  # unknown columns are kept
    library = db["assets"].get("good-1")
    assert library["ward_name"] == "Belgrave" and library["location_precision"] == "postcode"
    assert library["schedule"] == "Tue-Sat 09:30-17:00"
    assert json.loads(library["sessions"]) == [{"freq": "WEEKLY", "interval": 1, "byday": ["TU", "WE", "TH", "FR", "SA"],
                                                "bymonthday": [], "start": "09:30", "end": "17:00",
                                                "valid_from": None, "valid_to": None, "exdates": []}]
    close = next(db.query("select * from assets where name = 'Close Encounters street gathering'"))
    assert (close["ward_name"], close["location_precision"], close["lat"], close["lon"]) == ("Thurncourt", "ward", None, None)
    london = next(db.query("select * from assets where name = 'London visit'"))
    assert london["outside_area"] == 1 and london["ward_code"] is None
    assert london["nearest_ward_m"] > 100_000 and london["location_precision"] == "exact"
    # A generated id is stable and readable.
    assert close["id"] == "close-encounters-street-gathering-thurncourt"


def test_build_report_is_stored(bad_build):
    tmp, report = bad_build
    db = sqlite_utils.Database(tmp / "assets.db")
    build_row = db["builds"].get(1)
    assert (build_row["rows_read"], build_row["imported"], build_row["warned"], build_row["rejected"]) == (23, 7, 4, 16)
    assert db["build_problems"].count == len(report.problems)


def test_report_lines_name_row_and_column(bad_build):
    _, report = bad_build
    text = "\n".join(report.lines())
    assert "Read 23 rows" in text and "imported: 7" in text and "rejected: 16" in text
    assert "row 3, column name: is empty; every asset needs a name" in text


def test_utf8_bom_and_crlf(tmp_path, area):
    rows = [{"name": "ગુજરાતી સમાજ", "category": "community_centre", "postcode": "LE4 6JD"},
            {"name": "ਗੁਰਦੁਆਰਾ", "category": "faith_centre", "postcode": "LE5 5AA"},
            {"name": "مسجد", "category": "faith_centre", "postcode": "LE5 5AA", "description": "اردو"}]
    path = write_csv(tmp_path / "a.csv", rows, encoding="utf-8-sig", lineterminator="\r\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    report = build(area, tmp_path / "a.db", path)
    assert (report.imported, report.rejected) == (3, 0)
    names = [r["name"] for r in sqlite_utils.Database(tmp_path / "a.db").query("select name from assets order by source_row")]
    assert names == ["ગુજરાતી સમાજ", "ਗੁਰਦੁਆਰਾ", "مسجد"]


def test_not_utf8_names_the_line(tmp_path, area):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,category,postcode\nLibrary,library,LE4 6JD\nCaf\u00e9,cafe,LE5 5AA\n".encode("cp1252"))
    with pytest.raises(CsvFileError, match="line 3 has a byte .0xe9. that is not UTF-8"):
        build(area, tmp_path / "x.db", path)
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("content, says", [
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("name,category,postcode\n", "header row but no assets"),
    ("name,postcode\nLibrary,LE4 6JD\n", "has no 'category' column"),
    ("category,postcode\nlibrary,LE4 6JD\n", "has no 'name' column"),
    ("title,kind\nLibrary,library\n", "has no 'name' or 'category' column"),
    ("name,category\nLibrary,library\n", "has no 'postcode' column"),
])
def test_file_level_problems(tmp_path, area, content, says):
    path = tmp_path / "in.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CsvFileError, match=says):
        build(area, tmp_path / "x.db", path)


def test_rebuild_is_idempotent(tmp_path, area):
    build(area, tmp_path / "one.db", TEST_DATA / "every_bad_input.csv", today=TODAY)
    build(area, tmp_path / "two.db", TEST_DATA / "every_bad_input.csv", today=TODAY)
    build(area, tmp_path / "two.db", TEST_DATA / "every_bad_input.csv", today=TODAY)
    one, two = tables(tmp_path / "one.db"), tables(tmp_path / "two.db")
    assert one == two
    assert [r["id"] for r in one["assets"]] == [r["id"] for r in two["assets"]]


def test_a_failed_build_leaves_the_old_database(tmp_path, area, monkeypatch):
    db_path = tmp_path / "assets.db"
    build(area, db_path, TEST_DATA / "every_bad_input.csv", today=TODAY)
    before = tables(db_path, skip=())

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sqlite_utils.db.Table, "enable_fts", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        build(area, db_path, TEST_DATA / "pois" / "leicester_pois.csv")
    assert tables(db_path, skip=()) == before
    assert not list(tmp_path.glob(".assets.db.building-*"))


BUILD_IN_CHILD = """
import sys
from app.config import load_area
from app.assets.pipeline import build
build(load_area(), sys.argv[1], sys.argv[2])
"""


def test_killed_mid_write_leaves_the_old_database(tmp_path, area):
    db_path = tmp_path / "assets.db"
    build(area, db_path, TEST_DATA / "every_bad_input.csv", today=TODAY)
    before = tables(db_path, skip=())
    # A big input, so the write takes long enough to be interrupted.
    with open(area.live_postcodes, encoding="utf-8") as handle:
        postcodes = [row["pcd"] for row in csv.DictReader(handle)]
    rows = [{"name": f"Group {i}", "category": "group_activity", "postcode": postcodes[i % len(postcodes)],
             "description": "A weekly group " * 20} for i in range(60_000)]
    big = write_csv(tmp_path / "big.csv", rows)
    child = subprocess.Popen([sys.executable, "-c", BUILD_IN_CHILD, str(db_path), str(big)],
                             cwd=os.path.dirname(os.path.dirname(__file__)))
    deadline = time.monotonic() + 60
    killed = False
    while time.monotonic() < deadline and child.poll() is None:
        partial = list(tmp_path.glob(".assets.db.building-*"))
        if partial and partial[0].stat().st_size > 1_000_000:
            child.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.002)
    child.wait()
    assert killed, "the build finished before it could be interrupted"
    assert list(tmp_path.glob(".assets.db.building-*")), "the half-written file should be left behind"
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    conn.close()
    assert tables(db_path, skip=()) == before
    # The next build clears the half-written file away.
    build(area, db_path, TEST_DATA / "every_bad_input.csv", today=TODAY)
    assert not list(tmp_path.glob(".assets.db.building-*"))


def test_real_assets_all_land_in_leicester(built_db, area, source_rows):
    db_path, report = built_db
    assert report.rejected == 0, report.lines()
    assert report.imported == len(source_rows) > 0
    db = store.connect(db_path, readonly=True)
    wards = {r["ward_code"] for r in db.query("select ward_code from wards")}
    assert len(wards) == 21
    for asset in db.query("select * from assets"):
        assert asset["source"] and asset["source_date"], asset["id"]
        assert asset["ward_code"] in wards, asset["id"]
        if asset["location_precision"] == "ward":
            assert asset["lat"] is None and asset["lon"] is None, asset["id"]
        else:
            assert not asset["outside_area"], asset["id"]
    categories = {r["category"] for r in db.query("select distinct category from assets")}
    assert {"group_activity", "community_centre", "library", "listening_bench", "cafe", "faith_centre",
            "park", "advice_support"} <= categories
    # Close Encounters are hosted at residents' homes: never an address.
    for asset in db.query("select * from assets where name like '%Close Encounters%'"):
        assert not asset["address"] and not asset["postcode"] and asset["location_precision"] == "ward"


def test_ward_assignment_agrees_with_ordnance_survey(tmp_path, area):
    """Every live Leicester postcode, through the whole pipeline, against OS Code-Point Open's ward."""
    with open(TEST_DATA / "reference" / "postcode_ward_truth_leicester.csv", encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    rows = [{"id": f"pc-{i}", "name": t["pcd"], "category": "group_activity", "postcode": t["pcd"]}
            for i, t in enumerate(truth)]
    report = build(area, tmp_path / "truth.db", write_csv(tmp_path / "truth.csv", rows))
    assert report.rejected == 0
    placed = {r["name"]: r["ward_code"] for r in sqlite_utils.Database(tmp_path / "truth.db").query(
        "select name, ward_code from assets")}
    disagree = [(t["pcd"], t["ward_code"], placed[t["pcd"]]) for t in truth if placed[t["pcd"]] != t["ward_code"]]
    agreement = 1 - len(disagree) / len(truth)
    print(f"\nagreement {agreement:.4%} over {len(truth)} postcodes; disagreements: {disagree}")
    assert len(truth) == 6095
    assert agreement >= 0.999


def test_spreadsheet_words_are_imported_with_a_warning(tmp_path, area):
    path = write_csv(tmp_path / "words.csv", [
        {"name": "Sunday lunch", "category": "Lunch club", "postcode": "LE5 5AA", "source": "leaflet"},
        {"name": "Shree temple", "category": "Temple", "postcode": "LE4 6JD", "source": "leaflet"},
    ])
    report = build(area, tmp_path / "w.db", path, today=date(2026, 11, 26))
    assert (report.imported, report.rejected) == (2, 0)
    db = store.connect(tmp_path / "w.db", readonly=True)
    assert dict(db.execute("select name, category from assets").fetchall()) == {
        "Sunday lunch": "group_activity", "Shree temple": "faith_centre"}
    assert any("'Lunch club' is read as group_activity" in line for line in report.lines())


def test_a_build_keeps_private_addresses_private(tmp_path, area):
    """A spreadsheet exported from the workspace marks homes private; building from it must keep them hidden."""
    from app import create_app

    base = {"category": "group_activity", "source": "test", "source_date": "2026-11-01"}
    rows = [
        {**base, "name": "Knit and natter at Mrs Patel's", "address": "12 Example Road", "postcode": "LE4 6AW",
         "private_address": "yes"},
        {**base, "name": "Chair yoga at home", "address": "3 Sample Street", "postcode": "LE4 5AD",
         "private_address": "maybe"},
        {**base, "name": "Belgrave coffee morning", "address": "Belgrave Neighbourhood Centre", "postcode": "LE4 5PG",
         "private_address": "no"},
    ]
    db_path = tmp_path / "a.db"
    report = build(area, db_path, write_csv(tmp_path / "assets.csv", rows), today=TODAY)
    assert report.imported == 3 and report.rejected == 0
    [unclear] = [p for p in report.problems if p.column == "private_address"]
    assert unclear.severity == "warning" and "'maybe' is not yes or no" in unclear.message
    db = sqlite_utils.Database(db_path)
    stored = {r["name"]: r for r in db.query("select id, name, private_address, extra from assets")}
    assert [stored[r["name"]]["private_address"] for r in rows] == [1, 1, 0]
    assert all("private_address" not in r["extra"] for r in stored.values())
    # Ids are in every link: a home's id names its ward, never its postcode.
    assert stored[rows[0]["name"]]["id"] == "knit-and-natter-at-mrs-patels-belgrave"
    assert "le4" not in stored[rows[1]["name"]]["id"]
    assert stored[rows[2]["name"]]["id"].endswith("le4-5pg")

    client = create_app({"TESTING": True, "DATABASE": str(db_path)}).test_client()
    page = client.get(f"/assets/{stored[rows[0]['name']]['id']}").get_data(as_text=True)
    assert "Knit and natter" in page and "12 Example Road" not in page and "LE4 6AW" not in page
    found = client.get("/api/assets?near=LE4+6AW&radius=2000").get_json()
    text = json.dumps(found)
    assert "12 Example Road" not in text and "3 Sample Street" not in text and "LE4 6AW" not in text
    assert "Belgrave Neighbourhood Centre" in text
