"""Schema migrations: a live database from the previous release is upgraded in place."""
from __future__ import annotations

import gzip
import shutil
import sqlite3

import pytest
from conftest import TEST_DATA

from app import create_app
from app.store import migrations

FIXTURE = TEST_DATA / "migrations" / "assetmap-c264fb8.db.gz"
LIVE_TABLES = ("users", "changes", "suggestions", "traders", "trader_checks", "recommendations", "trader_changes")


@pytest.fixture
def old_db(tmp_path):
    """The previous release's live database: built, then used (accounts, edits, suggestions, a trader)."""
    path = tmp_path / "assetmap.db"
    with gzip.open(FIXTURE) as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    return path


def _counts(path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in LIVE_TABLES}
    finally:
        conn.close()


def _version(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("pragma user_version").fetchone()[0]
    finally:
        conn.close()


def test_the_previous_release_database_is_upgraded_in_place_keeping_everything(old_db):
    before = _counts(old_db)
    assert _version(old_db) == 0 and before["users"] == 2 and before["changes"] == 3
    assert migrations.migrate(old_db) == (0, migrations.LATEST)
    assert _version(old_db) == migrations.LATEST
    assert _counts(old_db) == before
    conn = sqlite3.connect(old_db)
    tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
    conn.close()
    assert {"walks", "walk_stops", "captures"} <= tables  # patch walks have somewhere to live
    # The upgraded database works: residents' pages, and the old accounts sign in.
    app = create_app({"TESTING": True, "DATABASE": str(old_db), "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    page = client.get("/assets/belgrave-library-le4-6jd")
    assert page.status_code == 200 and "warm space" in page.get_data(as_text=True)
    history = _sign_in(client, "Asha", "correct horse battery").get("/workspace/assets/belgrave-library-le4-6jd/history")
    assert history.status_code == 200 and "fixture edit" in history.get_data(as_text=True)


def _sign_in(client, name, password):
    import re

    page = client.get("/workspace/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/workspace/sign-in", data={"name": name, "password": password, "csrf_token": token},
                           headers={"Origin": "http://localhost"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_starting_the_app_migrates(old_db):
    create_app({"TESTING": True, "DATABASE": str(old_db)})
    assert _version(old_db) == migrations.LATEST


def test_migrating_twice_changes_nothing(old_db):
    migrations.migrate(old_db)
    before = _counts(old_db)
    assert migrations.migrate(old_db) == (migrations.LATEST, migrations.LATEST)
    assert _counts(old_db) == before


def test_a_database_newer_than_the_code_is_refused(old_db):
    migrations.migrate(old_db)
    conn = sqlite3.connect(old_db)
    conn.execute(f"pragma user_version = {migrations.LATEST + 1}")
    conn.close()
    with pytest.raises(migrations.DatabaseTooNew, match="newer release"):
        migrations.migrate(old_db)
    with pytest.raises(migrations.DatabaseTooNew):
        create_app({"TESTING": True, "DATABASE": str(old_db)})
    assert _version(old_db) == migrations.LATEST + 1


def test_the_command_line_migrates_and_refuses_a_newer_database(old_db):
    from click.testing import CliRunner

    from app.cli import cli

    result = CliRunner().invoke(cli, ["migrate", "--db", str(old_db)])
    assert result.exit_code == 0, result.output
    assert f"from version 0 to {migrations.LATEST}" in result.output
    conn = sqlite3.connect(old_db)
    conn.execute(f"pragma user_version = {migrations.LATEST + 5}")
    conn.close()
    result = CliRunner().invoke(cli, ["migrate", "--db", str(old_db)])
    assert result.exit_code != 0 and "newer release" in result.output


def test_a_step_that_fails_leaves_the_database_at_the_last_whole_step(old_db, monkeypatch):
    migrations.migrate(old_db)

    def half_done(conn):
        """Add a table, then fail."""
        conn.execute("create table half_done (x)")
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + (half_done,))
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)
    with pytest.raises(RuntimeError):
        migrations.migrate(old_db)
    conn = sqlite3.connect(old_db)
    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
    conn.close()
    assert "half_done" not in tables
    assert _version(old_db) == migrations.LATEST - 1


def test_a_fresh_build_is_at_the_latest_version(built_db):
    assert _version(built_db[0]) == migrations.LATEST


def test_every_step_says_what_it_does():
    assert migrations.LATEST == len(migrations.MIGRATIONS)
    for number, step in enumerate(migrations.MIGRATIONS, start=1):
        assert step.__name__.startswith(f"_{number}_"), step.__name__
        assert (step.__doc__ or "").strip(), step.__name__
