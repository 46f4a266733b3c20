
import sqlite_utils
from click.testing import CliRunner
from conftest import TEST_DATA, write_csv

from app.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_command_has_help():
    for command in ([], ["build"], ["geocode"], ["wards"], ["serve"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_geocode_prints_coordinates_and_ward():
    result = run("geocode", "le55aa")
    assert result.exit_code == 0
    assert "LE5 5AA" in result.output
    assert "52.629858, -1.108212" in result.output
    assert "Spinney Hills (E05010472)" in result.output


def test_geocode_outside_the_area():
    result = run("geocode", "SW1A 1AA")
    assert result.exit_code == 0
    assert "outside Leicester" in result.output and "km from" in result.output


def test_geocode_bad_postcodes():
    assert "not in the shape of a UK postcode" in run("geocode", "LE5 5A").output
    result = run("geocode", "LE5 0XX")
    assert result.exit_code == 1 and "not in the ONS Postcode Directory" in result.output


def test_build_exit_status_and_rejects(tmp_path):
    db, rejects = tmp_path / "a.db", tmp_path / "r.csv"
    result = run("build", "--assets", str(TEST_DATA / "every_bad_input.csv"), "--db", str(db), "--rejects", str(rejects))
    assert result.exit_code == 1
    assert "rejected: 16" in result.output
    assert "row 5, column postcode: 'LE5 5A' is not in the shape of a UK postcode" in result.output
    assert rejects.exists()
    good = write_csv(tmp_path / "good.csv", [{"name": "Lunch club", "category": "group_activity",
                                                "postcode": "LE5 5AA", "source": "test"}])
    result = run("build", "--assets", str(good), "--db", str(db), "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    assert not rejects.exists()  # no stale rejects from the earlier build
    assert sqlite_utils.Database(db)["assets"].count == 1


def test_unreadable_input_exits_2_and_keeps_the_database(tmp_path):
    db = tmp_path / "a.db"
    good = write_csv(tmp_path / "good.csv", [{"name": "Lunch club", "category": "group_activity", "postcode": "LE5 5AA"}])
    assert run("build", "--assets", str(good), "--db", str(db)).exit_code == 0
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = run("build", "--assets", str(empty), "--db", str(db))
    assert result.exit_code == 2
    assert "is empty" in result.output and "existing database is unchanged" in result.output
    assert sqlite_utils.Database(db)["assets"].count == 1


def test_wards_command(tmp_path, built_db):
    db_path, _ = built_db
    result = run("wards", "--db", str(db_path))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["ward", "total", "group_activity"]
    assert any(line.startswith("Belgrave*") for line in lines)
    assert len([line for line in lines[1:] if line[:1].isalpha() and not line.startswith("*")]) == 21


def test_another_area_needs_only_its_config(tmp_path, square_wards):
    """A council elsewhere: its own ward file, CSV and config; nothing about Leicester."""
    from app.wards import write_wards

    wards = square_wards.to_crs("EPSG:4326")
    wards["lad_code"], wards["lad_name"] = "E06000099", "Testshire"
    write_wards(wards, tmp_path / "wards")
    write_csv(tmp_path / "assets.csv", [{"name": "Test lunch club", "category": "group_activity",
                                          "lat": "52.6107", "lon": "-1.1097", "source": "test"}])
    (tmp_path / "area.toml").write_text(
        '[area]\nname = "Testshire"\nlad_code = "E06000099"\npostcode_areas = ["LE"]\n'
        'focus_wards = ["North East"]\nmap_centre = [52.61, -1.11]\n'
        '[data]\nassets = "assets.csv"\nwards = "wards"\n')
    db = tmp_path / "t.db"
    result = run("--area", str(tmp_path / "area.toml"), "build", "--db", str(db))
    assert result.exit_code == 0, result.output
    row = next(sqlite_utils.Database(db).query("select * from assets"))
    assert row["outside_area"] == 1 and row["nearest_ward_code"].startswith("E0500000")
    assert "outside Testshire" in result.output
    focus = [w["ward_name"] for w in sqlite_utils.Database(db).query("select * from wards where is_focus")]
    assert focus == ["North East"]


def test_serve_rebuild_refuses_to_wipe_a_live_database(live_db, tmp_path, monkeypatch):
    import waitress

    served = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: served.append(kwargs))
    monkeypatch.setenv("ASSETMAP_DATABASE", str(live_db))
    monkeypatch.setenv("ASSETMAP_INSTANCE", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli, ["serve", "--rebuild"])
    assert result.exit_code == 2 and "would wipe" in result.output and "--fresh" in result.output
    assert served == [] and sqlite_utils.Database(live_db)["users"].count == 3
    result = CliRunner().invoke(cli, ["serve", "--rebuild", "--fresh"])
    assert result.exit_code == 0, result.output
    assert "Kept a copy of the live database" in result.output and len(served) == 1
    assert sqlite_utils.Database(live_db.with_name("live-before-fresh-build.db"))["users"].count == 3
    assert sqlite_utils.Database(live_db)["users"].count == 0


def test_traders_and_suggestions_alone_make_a_database_live(built_db, tmp_path):
    import shutil

    from app import store

    for table, row in (("suggestions", {"kind": "new", "name": "Chair yoga", "created_at": "2026-11-26"}),
                       ("traders", {"id": "a-plumber", "name": "A Plumber", "created_at": "2026-11-26",
                                    "updated_at": "2026-11-26"})):
        db_path = tmp_path / f"{table}.db"
        shutil.copy(built_db[0], db_path)
        db = store.connect(db_path)
        with store.transaction(db):
            store.insert_row(db, table, row)
        db.conn.close()
        result = CliRunner().invoke(cli, ["build", "--db", str(db_path)])
        assert result.exit_code == 2 and "would wipe" in result.output, table
        assert sqlite_utils.Database(db_path)[table].count == 1
