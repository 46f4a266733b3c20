"""Export to CSV, backups and restore."""
import csv
import json
import re
import shutil
import sqlite3
import threading
import time

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import write_csv as write_csv_rows

from app import store
from app.accounts import User
from app.assets.edits import ConflictError, save_asset
from app.assets.exchange import export_rows, write_csv
from app.assets.pipeline import build
from app.cli import cli
from app.formats.csv_safe import neutralise, unneutralise

ASHA = User(1, "Asha", "connector")


@pytest.mark.parametrize("value, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+44 116 000", "'+44 116 000"),
    ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("-1.13", "-1.13"), ("+3", "+3"), ("Lunch", "Lunch"), ("", ""),
    (" =1+1", "' =1+1"), ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"),
    ("＝HYPERLINK(\"http://x\")", "'＝HYPERLINK(\"http://x\")"), ("＋44", "'＋44"), ("－cmd", "'－cmd"), ("＠SUM", "'＠SUM"),
    ("'=already quoted", "''=already quoted"), ("'Tis the season", "'Tis the season"),
])
def test_neutralise(value, safe):
    assert neutralise(value) == safe
    assert unneutralise(safe) == value  # the importer gets back exactly what was exported


def test_export_neutralises_extra_columns_carries_a_bom_and_imports_back_identical(tmp_path, area):
    """Headers and cells from users' own columns are neutralised; the round trip changes nothing."""
    hostile_header = '=HYPERLINK("http://evil.example","x")'
    rows = [{"name": "＝SUM(A1) lunch", "category": "group_activity", "postcode": "LE5 5AA", "source": "test",
             "description": "'=starts with a quote", hostile_header: " =1+1", "notes": "＠cmd", "ભાષા": "ગુજરાતી"},
            {"name": "اردو کلب", "category": "group_activity", "postcode": "LE4 6JD", "source": "test",
             "notes": "\t-2+3"}]
    source = write_csv_rows(tmp_path / "in.csv", rows)
    first = build(area, tmp_path / "first.db", source)
    assert first.rejected == 0
    out = write_csv(export_rows(store.connect(tmp_path / "first.db")), tmp_path / "export.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8 on double-click
    header, *body = csv.reader(raw.decode("utf-8-sig").splitlines())
    assert "'" + hostile_header in header and hostile_header not in header
    cells = [cell for row in body for cell in row]
    assert "' =1+1" in cells and "'＠cmd" in cells and "'\t-2+3" in cells and "'＝SUM(A1) lunch" in cells
    formula_like = [c for c in header + cells if c.startswith(("=", "+", "-", "@", " ", "\t", "\r", "＝", "＋", "－", "＠"))
                    and not re.fullmatch(r"[+-]?\d+(\.\d+)?", c)]
    assert formula_like == []
    second = build(area, tmp_path / "second.db", out)
    assert second.rejected == 0

    def listing(db_file):
        # A build keeps the export's own "status" column as an extra; everything else must match.
        return sorted((r["name"], r["description"], {k: v for k, v in json.loads(r["extra"]).items() if k != "status"})
                      for r in sqlite_utils.Database(db_file).query("select name, description, extra from assets"))

    assert listing(tmp_path / "second.db") == listing(tmp_path / "first.db")
    extras = {r["name"]: json.loads(r["extra"]) for r in sqlite_utils.Database(tmp_path / "second.db").query(
        "select name, extra from assets")}
    assert extras["＝SUM(A1) lunch"][hostile_header] == " =1+1"


def test_rejects_file_has_a_bom(tmp_path, area):
    source = write_csv_rows(tmp_path / "in.csv", [{"name": "ગુજરાતી", "category": "spaceship", "postcode": "LE5 5AA"}])
    build(area, tmp_path / "a.db", source, rejects_path=tmp_path / "rejects.csv")
    raw = (tmp_path / "rejects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "ગુજરાતી" in raw.decode("utf-8-sig")


def test_export_round_trips_through_the_importer(built_db, tmp_path, area):
    db_path, report = built_db
    out = tmp_path / "export.csv"
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0 and f"Wrote {report.imported} assets" in result.output
    rebuilt = build(area, tmp_path / "again.db", out)
    assert rebuilt.rejected == 0 and rebuilt.imported == report.imported
    columns = "id, name, category, description, address, postcode, lat, lon, ward_code, location_precision, schedule, source"
    before = list(sqlite_utils.Database(db_path).query(f"select {columns} from assets order by id"))
    after = list(sqlite_utils.Database(tmp_path / "again.db").query(f"select {columns} from assets order by id"))
    assert before == after


def test_export_leaves_out_private_addresses_and_neutralises_formulas(live_db, tmp_path, area):
    db_path = live_db
    db = store.connect(db_path)
    user = ASHA
    save_asset(db, area, user, {"name": "=cmd|' /C calc'!A0", "category": "group_activity", "postcode": "LE5 5AA",
                                "address": "12 Ash Close", "private_address": "1", "source": "host"})
    out = tmp_path / "export.csv"
    CliRunner().invoke(cli, ["export", "--db", str(db_path), "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "12 Ash Close" not in text
    row = next(r for r in csv.DictReader(open(out, encoding="utf-8-sig")) if "cmd" in r["name"])
    assert row["name"].startswith("'=") and row["postcode"] == "" and row["location_precision"] == "ward"
    assert row["ward"] == "Spinney Hills"
    CliRunner().invoke(cli, ["export", "--db", str(db_path), "--out", str(out), "--include-private"])
    row = next(r for r in csv.DictReader(open(out, encoding="utf-8-sig")) if "cmd" in r["name"])
    assert row["address"] == "12 Ash Close" and row["private_address"] == "1"


def test_export_leaves_out_hidden_closed_and_deleted_listings_unless_asked(live_db, tmp_path):
    from app.assets.edits import set_status

    db = store.connect(live_db)
    for asset_id, status in (("belgrave-library", "hidden"), ("highfields-library", "closed"),
                             ("evington-library", "deleted"), ("knighton-library", "temporarily_closed")):
        set_status(db, ASHA if status != "deleted" else User(3, "Admin", "admin"), asset_id, status)
    db.conn.close()
    out = tmp_path / "export.csv"
    result = CliRunner().invoke(cli, ["export", "--db", str(live_db), "--out", str(out)])
    assert result.exit_code == 0
    assert "Left out 3 listings that residents cannot see (1 closed, 1 deleted, 1 hidden)" in result.output
    assert "--include-hidden" in result.output
    rows = {r["id"]: r for r in csv.DictReader(open(out, encoding="utf-8-sig"))}
    assert not {"belgrave-library", "highfields-library", "evington-library"} & rows.keys()
    assert rows["knighton-library"]["status"] == "temporarily_closed"  # residents still see it
    result = CliRunner().invoke(cli, ["export", "--db", str(live_db), "--out", str(out), "--include-hidden"])
    assert result.exit_code == 0 and "Left out" not in result.output
    rows = {r["id"]: r for r in csv.DictReader(open(out, encoding="utf-8-sig"))}
    assert [rows[i]["status"] for i in ("belgrave-library", "highfields-library", "evington-library")] == [
        "hidden", "closed", "deleted"]


def test_backup_while_writing_then_restore(live_db, tmp_path, area):
    db_path = live_db
    user = ASHA
    written, stop = [], threading.Event()

    def keep_writing():
        conn = store.connect(db_path)
        i = 0
        while not stop.is_set() and i < 200:
            saved = save_asset(conn, area, user, {"name": f"Group {i}", "category": "group_activity",
                                                  "postcode": "LE5 5AA", "source": "test"})
            written.append(saved.asset_id)
            i += 1
        conn.conn.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    while len(written) < 5:
        pass
    backup_file = tmp_path / "backup.db"
    result = CliRunner().invoke(cli, ["backup", "--db", str(db_path), "--out", str(backup_file)])
    stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    assert store.check_backup(backup_file) is None
    in_backup = {r[0] for r in sqlite3.connect(backup_file).execute("select id from assets")}
    # A consistent snapshot: every group it holds is whole, and it holds every group saved before it.
    assert set(written[:5]) <= in_backup
    ids = [r[0] for r in sqlite3.connect(backup_file).execute("select asset_id from changes")]
    assert set(ids) == {i for i in in_backup if i.startswith("group-")}

    result = CliRunner().invoke(cli, ["restore", str(backup_file), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    restored = {r[0] for r in sqlite3.connect(db_path).execute("select id from assets")}
    assert restored == in_backup
    assert (tmp_path / "live-before-restore.db").exists()


def test_restore_refuses_a_broken_backup(tmp_path, built_db):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    db_path = tmp_path / "live.db"
    shutil.copy(built_db[0], db_path)
    before = db_path.read_bytes()
    result = CliRunner().invoke(cli, ["restore", str(bad), "--db", str(db_path)])
    assert result.exit_code == 1 and "cannot be restored" in result.output
    assert db_path.read_bytes() == before
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("create table x (y)").connection.commit()
    result = CliRunner().invoke(cli, ["restore", str(empty), "--db", str(db_path)])
    assert "it has no assets, wards, postcodes, builds table" in result.output


def test_a_save_and_its_history_are_one_transaction(live_db, area, monkeypatch):
    import app.assets.edits as edits

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(edits, "record_history_many", fail)
    db = store.connect(live_db)
    with pytest.raises(RuntimeError):
        save_asset(db, area, ASHA, {"name": "Half saved", "category": "group_activity", "postcode": "LE5 5AA",
                                    "source": "test"})
    assert store.connect(live_db).execute("select count(*) from assets where name = 'Half saved'").fetchone()[0] == 0


def test_importing_a_private_listing_with_its_postcode_in_its_id(live_db, tmp_path, area):
    from conftest import write_csv as write_rows

    from app.assets.exchange import apply_import, plan_import

    path = write_rows(tmp_path / "in.csv", [{"id": "knit-le5-5aa", "name": "Knit at home", "category": "group_activity",
                                            "postcode": "LE5 5AA", "source": "host", "private_address": "1",
                                            "status": "hidden"}])
    db = store.connect(live_db)
    plan = plan_import(db, area, path)
    assert [values["id"] for _, values, _ in plan.new] == ["knit-le5-5aa"]
    apply_import(db, area, ASHA, path, plan.digest)
    (new_id, status), = db.execute("select id, status from assets where name = 'Knit at home'").fetchall()
    assert "le5" not in new_id and status == "hidden"
    again = plan_import(db, area, path)  # the same spreadsheet again: the listing is found, not added twice
    assert not again.new and [asset_id for _, asset_id in again.unchanged] == [new_id]
    db.conn.close()


def test_restore_while_connectors_save_loses_no_acknowledged_edit(live_db, tmp_path, area):
    from app.assets.edits import form_values, wards_frame, workspace_asset

    backup_file = store.backup(live_db, tmp_path / "backup.db")
    listings = ["belgrave-library", "listening-bench-evington", "the-brite-centre"]
    wards = wards_frame(store.connect(live_db))
    acknowledged, stop = [], threading.Event()  # (value, started at, acknowledged at)

    def keep_saving(asset_id):
        # One long-lived connection per writer, like a busy server thread.
        conn = store.connect(live_db)
        i = 0
        while not stop.is_set():
            started = time.monotonic()
            current = workspace_asset(conn, asset_id)
            value = f"{asset_id} edit {i}"
            try:
                save_asset(conn, area, ASHA, {**form_values(current), "cost": value}, asset_id, wards=wards)
            except ConflictError:  # read before the restore, written after: refused, never acknowledged
                continue
            finally:
                i += 1
            acknowledged.append((value, started, time.monotonic()))
        conn.conn.close()

    writers = [threading.Thread(target=keep_saving, args=(a,)) for a in listings]
    for writer in writers:
        writer.start()
    time.sleep(1)
    store.restore(backup_file, live_db)
    restored_at = time.monotonic()
    time.sleep(1)
    stop.set()
    for writer in writers:
        writer.join()
    present = {r[0] for r in sqlite3.connect(live_db).execute("select new_value from changes where field = 'cost'")}
    kept = {r[0] for r in sqlite3.connect(tmp_path / "live-before-restore.db").execute(
        "select new_value from changes where field = 'cost'")}
    after = [v for v, started, _ in acknowledged if started > restored_at]
    assert len(after) > 5 and len(acknowledged) - len(after) > 5, "the writers kept writing around the restore"
    assert [v for v in after if v not in present] == []
    # A restore replaces edits made before it on purpose; they are in the kept copy. None vanishes.
    assert [v for v, _, _ in acknowledged if v not in present | kept] == []
    print(f"acknowledged {len(acknowledged)}, after the restore {len(after)}, all present")
