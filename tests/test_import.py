"""Importing a connector's spreadsheet into the live database: preview first, then exactly that."""
import csv
import io
import re
from datetime import datetime

import sqlite_utils
from click.testing import CliRunner
from test_workspace import NOW, ORIGIN, sign_in, token

from app import create_app, store
from app.accounts import User
from app.assets.edits import ORIGINAL, history, restore, save_asset, workspace_asset
from app.assets.exchange import apply_import, plan_import
from app.cli import cli

CONNECTOR = User(1, "Asha", "connector")


def exported(db_path, tmp_path):
    out = tmp_path / "sheet.csv"
    CliRunner().invoke(cli, ["export", "--db", str(db_path), "--out", str(out)])
    with open(out, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def a_connectors_sheet(live_db, tmp_path):
    header, rows = exported(live_db, tmp_path)
    library = next(r for r in rows if r["id"] == "belgrave-library")
    library["schedule"] = "Tue-Sat 09:30-17:00"
    library["cost"] = "Free"
    rows.append({**{h: "" for h in header}, "name": "Saturday walking group", "category": "group_activity",
                 "postcode": "LE5 5AA", "schedule": "Sat 10:00-11:30", "source": "poster"})
    rows.append({**{h: "" for h in header}, "name": "Mystery", "category": "spaceship", "postcode": "LE5 5AA"})
    return write(tmp_path / "edited.csv", header, rows), len(rows)


def test_preview_then_apply_writes_exactly_the_preview(live_db, tmp_path, area):
    sheet, total = a_connectors_sheet(live_db, tmp_path)
    db = store.connect(live_db)
    before = sqlite_utils.Database(live_db)["assets"].count
    plan = plan_import(db, area, sheet)
    assert [c.asset_id for _, c, _ in plan.changed] == ["belgrave-library"]
    assert sorted(f for f, _, _ in plan.changed[0][1].fields) == ["cost", "schedule"]
    assert [v["id"] for _, v, _ in plan.new] == ["saturday-walking-group-le5-5aa"]
    assert len(plan.rejected) == 1 and "'spaceship' is not a category we know" in plan.rejected[0][1]
    assert len(plan.unchanged) == total - 3
    assert sqlite_utils.Database(live_db)["assets"].count == before  # a preview writes nothing
    apply_import(db, area, CONNECTOR, sheet, plan.digest)
    after = sqlite_utils.Database(live_db)
    assert after["assets"].count == before + 1
    library = after["assets"].get("belgrave-library")
    assert (library["schedule"], library["cost"]) == ("Tue-Sat 09:30-17:00", "Free")
    actions = {r["action"] for r in after.query("select action from changes")}
    assert actions == {"import"}
    again = plan_import(store.connect(live_db), area, sheet)
    assert (len(again.new), len(again.changed)) == (0, 0)  # importing twice changes nothing more


def test_a_newer_web_edit_is_not_overwritten_silently(live_db, tmp_path, area):
    sheet, _ = a_connectors_sheet(live_db, tmp_path)
    db = store.connect(live_db)
    values = dict(next(iter(db.query("select * from assets where id = 'belgrave-library'"))))
    from app.assets.edits import form_values
    save_asset(db, area, CONNECTOR, {**form_values(values), "cost": "£1"}, "belgrave-library", note="rang them")
    plan = plan_import(db, area, sheet)
    [(_, change, _)] = plan.changed
    assert change.web_edit and "by Asha" in change.web_edit
    apply_import(db, area, CONNECTOR, sheet, plan.digest)
    assert sqlite_utils.Database(live_db)["assets"].get("belgrave-library")["cost"] == "£1"
    apply_import(db, area, CONNECTOR, sheet, plan.digest, overwrite_web_edits=True)
    assert sqlite_utils.Database(live_db)["assets"].get("belgrave-library")["cost"] == "Free"


def test_columns_the_file_lacks_are_left_alone(live_db, tmp_path, area):
    db = store.connect(live_db)
    sheet = write(tmp_path / "small.csv", ["id", "name", "category", "postcode"],
                  [{"id": "belgrave-library", "name": "Belgrave Library", "category": "library", "postcode": "LE4 6JD"}])
    plan = plan_import(db, area, sheet)
    assert plan.changed == [] and len(plan.unchanged) == 1


def test_cli_import(live_db, tmp_path):
    sheet, _ = a_connectors_sheet(live_db, tmp_path)
    result = CliRunner().invoke(cli, ["import", str(sheet), "--db", str(live_db)])
    assert result.exit_code == 0, result.output
    assert "1 new, 1 changed (0 would overwrite a web edit)" in result.output and "Nothing was written" in result.output
    assert "changed  row" in result.output and "cost: '' -> 'Free'" in result.output
    result = CliRunner().invoke(cli, ["import", str(sheet), "--db", str(live_db), "--apply"])
    assert "Written" in result.output
    assert sqlite_utils.Database(live_db)["assets"].get("belgrave-library")["cost"] == "Free"


def test_web_upload_preview_and_apply(live_db, tmp_path, monkeypatch):
    from app.assets import exchange

    plans = []
    real_plan = exchange.plan_import
    monkeypatch.setattr(exchange, "plan_import", lambda *a, **k: plans.append(1) or real_plan(*a, **k))
    app = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": NOW,
                      "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    sign_in(client)
    sheet, _ = a_connectors_sheet(live_db, tmp_path)
    response = client.post("/workspace/import", headers={"Origin": ORIGIN}, content_type="multipart/form-data",
                           data={"csrf_token": token(client, "/workspace/import"),
                                 "file": (io.BytesIO(sheet.read_bytes()), "edited.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 new, 1 changed" in html and "spaceship" in html
    action = re.search(r'action="(/workspace/import/[0-9a-f]+)"', html).group(1)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
    assert sqlite_utils.Database(live_db)["assets"].get("belgrave-library")["cost"] == ""
    wrong = client.post(action, headers={"Origin": ORIGIN}, data={"csrf_token": token(client, "/workspace/"), "digest": "0" * 64})
    assert wrong.status_code == 409
    plans.clear()
    done = client.post(action, headers={"Origin": ORIGIN}, data={"csrf_token": token(client, "/workspace/"), "digest": digest})
    assert done.status_code == 200 and "Imported" in done.get_data(as_text=True)
    assert plans == []  # the preview shown was written as it was, without planning the file again
    assert sqlite_utils.Database(live_db)["assets"].get("belgrave-library")["cost"] == "Free"
    history = client.get("/workspace/assets/belgrave-library/history").get_data(as_text=True)
    assert "import of edited.csv" in history and "Asha" in history


def dump(db_path):
    """Everything an import can change, in a comparable form."""
    db = sqlite_utils.Database(db_path)
    return ([tuple(r) for r in db.execute("select * from assets order by id")],
            [tuple(r) for r in db.execute("select * from changes order by id")])


def test_a_bad_status_is_rejected_in_the_preview_and_never_written(live_db, tmp_path, area):
    header, rows = exported(live_db, tmp_path)
    library = next(r for r in rows if r["id"] == "belgrave-library")
    library["status"], library["cost"] = "shut for good", "Free"
    bench = next(r for r in rows if r["id"] == "listening-bench-evington")
    bench["status"] = "temporarily_closed"
    sheet = write(tmp_path / "statuses.csv", header, rows)
    db = store.connect(live_db)
    plan = plan_import(db, area, sheet)
    assert [c.asset_id for _, c, _ in plan.changed] == ["listening-bench-evington"]
    [(_, reason)] = plan.rejected
    assert "status: 'shut for good' is not one of: open, temporarily_closed, closed, hidden, deleted" in reason
    apply_import(db, area, CONNECTOR, sheet, plan.digest)
    after = sqlite_utils.Database(live_db)["assets"]
    assert (after.get("belgrave-library")["status"], after.get("belgrave-library")["cost"]) == ("open", "")
    assert after.get("listening-bench-evington")["status"] == "temporarily_closed"


def test_an_apply_that_fails_half_way_writes_nothing(live_db, tmp_path, area, monkeypatch):
    from app.assets import exchange
    sheet, _ = a_connectors_sheet(live_db, tmp_path)
    db = store.connect(live_db)
    plan = plan_import(db, area, sheet)
    before = dump(live_db)
    real_write, calls = exchange.write_saves, []

    def fails_after_writing(*args, **kwargs):
        calls.append(len(real_write(*args, **kwargs)))
        raise exchange.ConflictError(99, [])

    monkeypatch.setattr(exchange, "write_saves", fails_after_writing)
    try:
        apply_import(db, area, CONNECTOR, sheet, plan.digest)
    except exchange.ImportRefused as exc:
        assert "nothing was imported" in str(exc)
    else:
        raise AssertionError("the apply should have been refused")
    assert calls and calls[0] > 0  # the rows had been written before the failure
    assert dump(live_db) == before


CHILD = """
import sys
import time
from app.assets import exchange
from app import store
from app.config import load_area
from app.accounts import User

db, area = store.connect(sys.argv[1]), load_area()
plan = exchange.plan_import(db, area, sys.argv[2])
real_write = exchange.write_saves

def written_then_waiting(*args, **kwargs):
    result = real_write(*args, **kwargs)
    print("mid-apply", flush=True)  # every row written, the transaction not yet committed
    time.sleep(60)
    return result

exchange.write_saves = written_then_waiting
exchange.apply_import(db, area, User(1, "Asha", "connector"), sys.argv[2], plan.digest)
print("finished", flush=True)
"""


def test_a_killed_apply_leaves_the_database_exactly_as_before(live_db, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from app.config import PROJECT_ROOT

    postcodes = [r[0] for r in sqlite_utils.Database(live_db).execute(
        "select postcode from postcodes where ward_code is not null order by postcode limit 600")]
    sheet = write(tmp_path / "big.csv", ["name", "category", "postcode", "source"],
                  [{"name": f"Coffee morning {i}", "category": "group_activity", "postcode": p, "source": "poster"}
                   for i, p in enumerate(postcodes)])
    before = dump(live_db)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(live_db), str(sheet)], cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "mid-apply"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL and "finished" not in child.stdout.read()
    assert dump(live_db) == before


def upload(client, sheet_bytes, name="edited.csv"):
    return client.post("/workspace/import", headers={"Origin": ORIGIN}, content_type="multipart/form-data",
                       data={"csrf_token": token(client, "/workspace/import"), "file": (io.BytesIO(sheet_bytes), name)})


def workspace_app(live_db, instance, **config):
    import os
    before = os.environ.get("ASSETMAP_INSTANCE")
    os.environ["ASSETMAP_INSTANCE"] = str(instance)
    try:
        return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": NOW,
                           "SESSION_COOKIE_SECURE": False, **config})
    finally:
        os.environ["ASSETMAP_INSTANCE"] = before  # the run's throwaway folder, never the project's


def mode(path):
    import stat
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_a_file_over_the_size_limit_gets_a_clear_page(live_db, tmp_path):
    app = workspace_app(live_db, tmp_path / "instance", SECRET_KEY="test only", MAX_CONTENT_LENGTH=20_000)
    client = app.test_client()
    sign_in(client)
    assert "(up to 20 KB)" in client.get("/workspace/import").get_data(as_text=True)
    response = upload(client, b"name,category,postcode\n" + b"Lunch club,group_activity,LE5 5AA\n" * 1000)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The file is too large" in html and "Files can be up to 20 KB" in html and "Nothing was uploaded" in html
    assert list((tmp_path / "instance" / "uploads").glob("*")) == []
    assert create_app({"TESTING": True, "DATABASE": str(live_db), "SECRET_KEY": "x"}).config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


def test_uploads_are_private_and_deleted_after_cancel_or_apply(live_db, tmp_path):
    import os
    old_umask = os.umask(0o022)  # the usual default, which would make files readable by everyone
    try:
        instance = tmp_path / "instance"
        app = workspace_app(live_db, instance, SECRET_KEY="test only")
        client = app.test_client()
        sign_in(client)
        sheet, _ = a_connectors_sheet(live_db, tmp_path)
        html = upload(client, sheet.read_bytes()).get_data(as_text=True)
        uploads = instance / "uploads"
        files = sorted(uploads.iterdir())
        assert len(files) == 2 and {mode(f) for f in files} == {"0o600"} and mode(uploads) == "0o700"
        cancel = re.search(r'action="(/workspace/import/[0-9a-f]+/cancel)"', html).group(1)
        response = client.post(cancel, headers={"Origin": ORIGIN}, data={"csrf_token": token(client, "/workspace/")})
        assert response.status_code == 200 and "the uploaded file has been deleted" in response.get_data(as_text=True)
        assert list(uploads.iterdir()) == []
        assert sqlite_utils.Database(live_db)["assets"].get("belgrave-library")["cost"] == ""
        html = upload(client, sheet.read_bytes()).get_data(as_text=True)
        action = re.search(r'action="(/workspace/import/[0-9a-f]+)"', html).group(1)
        digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
        done = client.post(action, headers={"Origin": ORIGIN},
                           data={"csrf_token": token(client, "/workspace/"), "digest": digest})
        assert done.status_code == 200 and list(uploads.iterdir()) == []
        bad = upload(client, b"\xff\xfe not utf-8", "bad.csv")
        assert bad.status_code == 400 and list(uploads.iterdir()) == []
    finally:
        os.umask(old_umask)


def test_instance_database_backups_and_key_are_private(tmp_path, area, monkeypatch):
    import os

    from app.assets.pipeline import build
    old_umask = os.umask(0o022)
    try:
        instance = tmp_path / "instance"
        monkeypatch.setenv("ASSETMAP_INSTANCE", str(instance))
        app = create_app({"TESTING": True, "DATABASE": str(instance / "assetmap.db")})
        assert mode(instance) == "0o700" and mode(instance / "secret_key") == "0o600"
        db_path = build(area, instance / "assetmap.db") and instance / "assetmap.db"
        assert mode(db_path) == "0o600"
        db = store.connect(db_path)
        store.migrate_connection(db.conn)
        save_asset(db, area, CONNECTOR, {"name": "Knit and natter", "category": "group_activity",
                                         "postcode": "LE5 5AA", "source": "poster"})
        assert mode(db_path.with_name("assetmap.db-wal")) == "0o600"
        result = CliRunner().invoke(cli, ["backup", "--db", str(db_path)])
        assert result.exit_code == 0, result.output
        [backup_file] = (instance / "backups").iterdir()
        assert mode(instance / "backups") == "0o700" and mode(backup_file) == "0o600"
        store.restore(backup_file, db_path)
        assert mode(instance / "assetmap-before-restore.db") == "0o600" and mode(db_path) == "0o600"
        assert app.config["SECRET_KEY"]
    finally:
        os.umask(old_umask)


BENCH_ROW = {"id": "listening-bench-evington", "name": "The listening bench(es)", "category": "listening_bench",
             "postcode": "LE5 6AA"}


def test_a_ward_only_listing_given_a_postcode_by_a_file_gets_its_place(live_db, tmp_path, area):
    db = store.connect(live_db)
    sheet = write(tmp_path / "placed.csv", list(BENCH_ROW), [BENCH_ROW])
    apply_import(db, area, CONNECTOR, sheet, plan_import(db, area, sheet).digest)
    bench = sqlite_utils.Database(live_db)["assets"].get("listening-bench-evington")
    assert (bench["location_precision"], bench["postcode"]) == ("postcode", "LE5 6AA") and bench["lat"]


def test_a_file_that_says_ward_keeps_a_listing_ward_only(live_db, tmp_path, area):
    db = store.connect(live_db)
    sheet = write(tmp_path / "kept.csv", [*BENCH_ROW, "location_precision"], [{**BENCH_ROW, "location_precision": "ward"}])
    apply_import(db, area, CONNECTOR, sheet, plan_import(db, area, sheet).digest)
    bench = sqlite_utils.Database(live_db)["assets"].get("listening-bench-evington")
    assert (bench["location_precision"], bench["postcode"], bench["lat"]) == ("ward", "LE5 6AA", None)


def _history_without_times(db, asset_id):
    return [{k: v for k, v in entry.items() if k not in ("at", "change_set")} for entry in history(db, asset_id)]


def test_a_bulk_import_records_what_a_save_one_by_one_would(live_db, tmp_path, area):
    import shutil

    sheet, _ = a_connectors_sheet(live_db, tmp_path)
    twin = tmp_path / "twin.db"
    shutil.copyfile(live_db, twin)
    db = store.connect(live_db)
    original = workspace_asset(db, "belgrave-library")
    plan = plan_import(db, area, sheet)
    apply_import(db, area, CONNECTOR, sheet, plan.digest, preview=plan)
    # The same rows saved one at a time through the form's path, into a copy of the database.
    one_by_one = store.connect(twin)
    [(_, new, _)] = plan.new
    [(_, change, changed)] = plan.changed
    save_asset(one_by_one, area, CONNECTOR, new, note=f"import of {sheet.name}", action="import", new_id=new["id"],
               extra={})
    save_asset(one_by_one, area, CONNECTOR, changed, change.asset_id, note=f"import of {sheet.name}", action="import")
    for asset_id in (new["id"], change.asset_id):
        assert _history_without_times(db, asset_id) == _history_without_times(one_by_one, asset_id)
        bulk, single = workspace_asset(db, asset_id), workspace_asset(one_by_one, asset_id)
        assert {k: v for k, v in bulk.items() if k != "updated_at"} == {k: v for k, v in single.items() if k != "updated_at"}
    # Restoring the original undoes the import's changes field by field.
    restore(db, area, CONNECTOR, change.asset_id, ORIGINAL)
    restored = workspace_asset(db, change.asset_id)
    assert (restored["cost"], restored["schedule"]) == (original["cost"], original["schedule"]) != ("Free", None)


def test_a_web_edit_between_preview_and_apply_is_kept_and_the_rest_imported(live_db, tmp_path, area):
    from app.assets.edits import form_values

    db = store.connect(live_db)
    sheet = write(tmp_path / "costs.csv", ["id", "name", "category", "postcode", "cost"],
                  [{"id": "belgrave-library", "name": "Belgrave Library", "category": "library", "postcode": "LE4 6JD",
                    "cost": "Free"},
                   {"id": "", "name": "Saturday walking group", "category": "group_activity", "postcode": "LE5 5AA",
                    "cost": "Free"}])
    preview = plan_import(db, area, sheet)
    assert len(preview.changed) == 1 and len(preview.new) == 1
    library = form_values(workspace_asset(db, "belgrave-library"))
    save_asset(db, area, CONNECTOR, {**library, "schedule": "Mon 09:00-17:00", "cost": "£1"}, "belgrave-library",
               note="rang them")
    apply_import(db, area, CONNECTOR, sheet, preview.digest, preview=preview)
    now = workspace_asset(db, "belgrave-library")
    assert (now["cost"], now["schedule"]) == ("£1", "Mon 09:00-17:00")  # left alone, not overwritten silently
    assert db.execute("select count(*) from assets where name = 'Saturday walking group'").fetchone()[0] == 1


def test_overwriting_a_web_edit_keeps_the_columns_the_file_lacks(live_db, tmp_path, area):
    from app.assets.edits import form_values

    db = store.connect(live_db)
    sheet = write(tmp_path / "costs.csv", ["id", "name", "category", "postcode", "cost"],
                  [{"id": "belgrave-library", "name": "Belgrave Library", "category": "library", "postcode": "LE4 6JD",
                    "cost": "Free"}])
    preview = plan_import(db, area, sheet)
    library = form_values(workspace_asset(db, "belgrave-library"))
    save_asset(db, area, CONNECTOR, {**library, "schedule": "Mon 09:00-17:00"}, "belgrave-library", note="rang them")
    # The preview's prepared rows are reused only where the values are the same: here the schedule is new.
    apply_import(db, area, CONNECTOR, sheet, preview.digest, overwrite_web_edits=True, preview=preview)
    now = workspace_asset(db, "belgrave-library")
    assert (now["cost"], now["schedule"]) == ("Free", "Mon 09:00-17:00")


def test_a_bulk_update_of_a_listing_saved_meanwhile_writes_nothing(live_db, area):
    from datetime import date

    import pytest

    from app.assets.edits import ConflictError, form_values, pending_save, wards_frame, write_saves
    from app.assets.pipeline import prepare

    db = store.connect(live_db)
    stale = workspace_asset(db, "belgrave-library")
    values = {**form_values(stale), "id": "belgrave-library"}
    save_asset(db, area, CONNECTOR, {**values, "cost": "£1"}, "belgrave-library", note="meanwhile")
    wards = dict(db.execute("select ward_code, ward_name from wards").fetchall())
    record, problems = prepare({**values, "cost": "Free"}, area, wards_frame(db), date.today())
    save = pending_save(record, problems, {**values, "cost": "Free"}, stale, None, wards, "import")
    with pytest.raises(ConflictError):
        write_saves(db, CONNECTOR, "import", [save])
    assert workspace_asset(db, "belgrave-library")["cost"] == "£1"


def test_cli_import_prepares_each_row_once(live_db, tmp_path, monkeypatch):
    from app.assets import exchange

    sheet, total = a_connectors_sheet(live_db, tmp_path)
    real_prepare, prepared = exchange.prepare_many, []

    def counting(rows, *args, **kwargs):
        prepared.extend(rows)
        return real_prepare(rows, *args, **kwargs)

    monkeypatch.setattr(exchange, "prepare_many", counting)
    result = CliRunner().invoke(cli, ["import", str(sheet), "--db", str(live_db), "--apply"])
    assert "Written" in result.output, result.output
    assert len(prepared) == total  # the apply reused the preview's rows: the database had not changed
    assert sqlite_utils.Database(live_db)["assets"].get("belgrave-library")["cost"] == "Free"


def test_a_large_import_is_found_by_search_and_later_saves_stay_indexed(live_db, tmp_path, area):
    from app.assets.search import Query, search
    from app.store.schema import BULK_INDEX_ROWS

    db = store.connect(live_db)
    postcodes = [r[0] for r in db.execute("select postcode from postcodes where ward_code is not null "
                                          f"order by postcode limit {BULK_INDEX_ROWS + 50}")]
    sheet = write(tmp_path / "many.csv", ["name", "category", "postcode", "source"],
                  [{"name": f"Knit and natter {i}", "category": "group_activity", "postcode": p, "source": "poster"}
                   for i, p in enumerate(postcodes)])
    plan = plan_import(db, area, sheet)
    apply_import(db, area, User(0, "test", "admin"), sheet, plan.digest)
    found = search(db, Query(q="natter"), datetime(2026, 11, 26, 9, 0)).results
    assert len(found) == len(postcodes)  # every imported listing is in the search index
    triggers = {r[0] for r in db.execute("select name from sqlite_master where type = 'trigger'")}
    assert {"assets_ai", "assets_ad", "assets_au"} <= triggers  # the index keeps itself up to date again
    save_asset(db, area, User(0, "test", "admin"), {"name": "Crochet circle", "category": "group_activity",
                                                     "postcode": postcodes[0], "source": "poster"})
    assert [r.asset["name"] for r in search(db, Query(q="crochet"), datetime(2026, 11, 26, 9, 0)).results] == [
        "Crochet circle"]
    assert db.execute("insert into assets_fts(assets_fts) values('integrity-check')")  # FTS5's own check


def test_an_apply_right_after_its_preview_writes_the_preview_without_planning_again(live_db, tmp_path, area,
                                                                                     monkeypatch):
    from app.assets import exchange

    db = store.connect(live_db)
    sheet, _ = a_connectors_sheet(live_db, tmp_path)
    preview = plan_import(db, area, sheet)
    plans = []
    real_plan = exchange.plan_import
    monkeypatch.setattr(exchange, "plan_import", lambda *a, **k: plans.append(1) or real_plan(*a, **k))
    done = apply_import(db, area, CONNECTOR, sheet, preview.digest, preview=preview)
    assert plans == [] and done is preview  # nothing changed since: the preview is what is written
    assert workspace_asset(db, "belgrave-library")["cost"] == "Free"
    again = plan_import(db, area, sheet)
    assert not again.new and not again.changed  # all of it landed
