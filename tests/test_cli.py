
import sqlite_utils
from click.testing import CliRunner
from conftest import TEST_DATA, write_csv

from app.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_command_has_help():
    """Each command's help says what it does and names its own options."""
    expected = {
        (): ("build the database, look up postcodes", "--area"),
        ("build",): ("Build the database from the asset CSV", "--rejects"),
        ("geocode",): ("Print where a postcode is", "POSTCODE"),
        ("wards",): ("List the wards", "--db"),
        ("serve",): ("Serve the site", "--rebuild"),
        ("users", "add"): ("Create an account", "--role"),
        ("export",): ("Write the live database back", "--include-private"),
        ("import",): ("Merge a connector's spreadsheet", "--overwrite-web-edits"),
    }
    for command, phrases in expected.items():
        result = run(*command, "--help")
        assert result.exit_code == 0, command
        for phrase in phrases:
            assert phrase in result.output, (command, phrase)


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


def test_another_area_needs_only_its_config(tmp_path, other_area):
    """A council elsewhere: its own ward file, CSV and config; nothing about Leicester."""
    db = tmp_path / "t.db"
    result = run("--area", str(other_area), "build", "--db", str(db))
    assert result.exit_code == 0, result.output
    row = next(sqlite_utils.Database(db).query("select * from assets"))
    assert row["outside_area"] == 1 and row["nearest_ward_code"].startswith("E0500000")
    assert "outside Testshire" in result.output
    focus = [w["ward_name"] for w in sqlite_utils.Database(db).query("select * from wards where is_focus")]
    assert focus == ["North East"]


def test_users_add_works_on_a_fresh_install(tmp_path, other_area, monkeypatch):
    """The README's first step for connectors, before anyone has built or served the site."""
    from app import store
    from app.accounts import authenticate

    monkeypatch.setenv("ASSETMAP_INSTANCE", str(tmp_path / "fresh-instance"))
    result = run("--area", str(other_area), "users", "add", "Asha", "--role", "admin",
                 "--password", "correct horse battery")
    assert result.exit_code == 0, result.output
    assert "Added admin Asha" in result.output
    db = store.connect(tmp_path / "fresh-instance" / "assetmap.db")
    assert [r["name"] for r in db.query("select name from assets")] == ["Test lunch club"]
    assert authenticate(db, "Asha", "correct horse battery") is not None


def test_serve_uses_the_area_given_with_area(tmp_path, other_area, monkeypatch):
    from app.web import server

    served = {}
    monkeypatch.setenv("ASSETMAP_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setattr(server, "serve", lambda app, **kwargs: served.update(app=app))
    result = run("--area", str(other_area), "serve")
    assert result.exit_code == 0, result.output
    assert served["app"].config["AREA"].name == "Testshire"
    assert "Test lunch club" in served["app"].test_client().get("/?q=lunch").get_data(as_text=True)


def test_another_area_shows_its_own_example_and_story_and_nothing_of_leicester(tmp_path, other_area):
    from app import create_app

    db = tmp_path / "t.db"
    assert run("--area", str(other_area), "build", "--db", str(db)).exit_code == 0
    client = create_app({"TESTING": True, "DATABASE": str(db)}, area_file=other_area).test_client()
    pages = {url: client.get(url).get_data(as_text=True)
             for url in ("/", "/?postcode=nonsense", "/?postcode=nonsense&lang=gu", "/about", "/about?lang=gu",
                         "/map", "/wards", "/wards/north-east", "/traders/")}
    assert "For example TS1 2AB" in pages["/"]
    assert "A postcode looks like TS1 2AB." in pages["/?postcode=nonsense"]
    assert "TS1 2AB" in pages["/?postcode=nonsense&lang=gu"]
    assert "<p>Testshire&#39;s &lt;b&gt;own&lt;/b&gt; story.</p>" in pages["/about"]  # plain text, escaped
    assert "<p>A second paragraph.</p>" in pages["/about?lang=gu"]  # no Gujarati file: the English story
    assert "One of the 1 wards where Community Connectors worked." in pages["/wards/north-east"]
    for url, html in pages.items():
        assert "Testshire" in html, url
        for leicester in ("Leicester", "LE5", "LE4", "Belgrave", "Evington", "Ageing Together", "five wards"):
            assert leicester not in html, (url, leicester)


def test_serve_rebuild_refuses_to_wipe_a_live_database(live_db, tmp_path, monkeypatch):
    from app.web import server

    served = []
    monkeypatch.setattr(server, "serve", lambda app, **kwargs: served.append(kwargs))
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


def test_serve_answers_over_http_from_a_worker_process_per_cpu_asked_for(tmp_path, other_area):
    """The real server, not a stand-in: started as a resident's computer would, asked over HTTP, stopped."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ASSETMAP_INSTANCE": str(tmp_path / "instance")}
    server = subprocess.Popen([sys.executable, "-c", "from app.cli import cli; cli()", "--area", str(other_area),
                               "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/?q=lunch", timeout=5).read().decode()
            except OSError:
                time.sleep(0.2)
        assert page is not None and "Test lunch club" in page
        def parent_of(pid: str) -> str | None:
            try:
                return open(f"/proc/{pid}/stat").read().split(") ")[1].split()[1]
            except (FileNotFoundError, ProcessLookupError):  # a process that ended while we looked
                return None

        def children() -> list[str]:
            return [p for p in os.listdir("/proc") if p.isdigit() and parent_of(p) == str(server.pid)]

        # Gunicorn forks its workers a moment apart: the first may answer before the second is made.
        deadline = time.monotonic() + 10
        while len(children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(children()) == 2  # two worker processes under the one server
        # A worker interrupted in the instant after it was forked, before it listens for signals, is
        # left running until Gunicorn's graceful timeout (30 s): give them a moment to start.
        time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output = server.communicate(timeout=30)[0].decode()
    assert "with 2 worker processes" in output
    assert server.returncode == 0, output


def test_a_server_worker_takes_only_the_connections_it_has_threads_for(app, monkeypatch):
    """Each worker leaves connections it cannot yet serve in the kernel's queue, shared by every worker.

    Gunicorn's default lets a busy worker take up to 1,000 and queue them behind its own threads while
    another worker idles (scripts/load.py: p95 three times p50 under 50 residents). Room is left for
    as many kept-alive browser connections as there are threads.
    """
    from app.web import server

    seen = {}
    monkeypatch.setattr(server, "warm_up", lambda app: [])
    monkeypatch.setattr(server._Server, "run", lambda self: seen.update(
        threads=self.cfg.threads, connections=self.cfg.worker_connections, workers=self.cfg.workers,
        worker_class=self.cfg.worker_class_str, graceful=self.cfg.graceful_timeout))
    server.serve(app, "127.0.0.1", 0, workers=2)
    assert seen["worker_class"] == "gthread" and seen["workers"] == 2
    assert seen["graceful"] <= 10  # Ctrl+C stops the server within seconds, even with a worker that missed it
    assert seen["threads"] <= seen["connections"] <= 2 * seen["threads"]


def test_the_server_makes_the_search_index_once_before_forking_its_workers(app, monkeypatch):
    """Workers start with what their first residents would otherwise wait for, and no database connection."""
    import gc

    from app import store
    from app.assets import index
    from app.web import server

    index._INDEXES.clear()
    forked = []
    monkeypatch.setattr(server._Server, "run", lambda self: forked.append(gc.get_freeze_count()))
    try:
        server.serve(app, "127.0.0.1", 0, workers=2)
        assert forked and forked[0] > 10_000  # what was made is set aside from the collector
    finally:
        gc.unfreeze()
    db = store.connect(app.config["DATABASE"], readonly=True)
    try:
        key = store.data_version(db)
    finally:
        db.conn.close()
    assert index._INDEXES.get(key) is not None
    assert getattr(app.extensions["db_readers"], "held", None) is None  # a child must not share a connection
