"""The web process's database connections: a reader kept per thread, yet never reading a replaced file."""
from __future__ import annotations

import os
import shutil
import threading

from app import create_app, store


def test_a_thread_keeps_its_reader_between_requests(built_db, tmp_path):
    db_path = tmp_path / "site.db"
    shutil.copy(built_db[0], db_path)
    app = create_app({"TESTING": True, "DATABASE": str(db_path)})
    client = app.test_client()
    assert client.get("/api/wards").status_code == 200
    first = app.extensions["db_readers"].held[1]
    assert client.get("/assets/belgrave-library").status_code == 200
    assert app.extensions["db_readers"].held[1] is first  # no new connection, no schema read again
    assert first.execute("select count(*) from assets").fetchone()[0] > 0  # and it is still open

    # Another thread has its own (sqlite3 connections are not shared between requests running at once).
    seen = []
    worker = threading.Thread(target=lambda: seen.append(
        (client.get("/api/wards").status_code, app.extensions["db_readers"].held[1])))
    worker.start()
    worker.join()
    assert seen[0][0] == 200 and seen[0][1] is not first


def test_a_rebuilt_database_swapped_in_is_read_at_the_next_request(built_db, tmp_path):
    db_path = tmp_path / "site.db"
    shutil.copy(built_db[0], db_path)
    app = create_app({"TESTING": True, "DATABASE": str(db_path)})
    client = app.test_client()
    assert "Belgrave Library" in client.get("/assets/belgrave-library").get_data(as_text=True)
    # A rebuild writes a new file and swaps it in (a new inode), as `assetmap build` does.
    rebuilt = tmp_path / "rebuilt.db"
    shutil.copy(built_db[0], rebuilt)
    db = store.connect(rebuilt)
    db.execute("update assets set name = 'Belgrave Neighbourhood Library' where id = 'belgrave-library'")
    db.execute("update meta set value = value || '-rebuilt' where key = 'data_version'")
    db.conn.commit()
    db.conn.close()
    os.replace(rebuilt, db_path)
    assert "Belgrave Neighbourhood Library" in client.get("/assets/belgrave-library").get_data(as_text=True)


def test_an_edit_is_seen_by_a_kept_reader(built_db, tmp_path):
    db_path = tmp_path / "site.db"
    shutil.copy(built_db[0], db_path)
    app = create_app({"TESTING": True, "DATABASE": str(db_path)})
    client = app.test_client()
    client.get("/assets/belgrave-library")
    db = store.connect(db_path)
    db.execute("update assets set name = 'Belgrave Library (new name)' where id = 'belgrave-library'")
    db.execute("update meta set value = value || '-edited' where key = 'data_version'")
    db.conn.commit()
    db.conn.close()
    assert "Belgrave Library (new name)" in client.get("/assets/belgrave-library").get_data(as_text=True)


NAME = "select name from assets where id = 'belgrave-library'"


def _site(built_db, tmp_path):
    """A copy of the built database and an app serving it."""
    db_path = tmp_path / "site.db"
    shutil.copy(built_db[0], db_path)
    return db_path, create_app({"TESTING": True, "DATABASE": str(db_path)})


def _edit_name(db_path, name):
    db = store.connect(db_path)
    db.execute("update assets set name = ? where id = 'belgrave-library'", [name])
    db.execute("update meta set value = value || '-edited' where key = 'data_version'")
    db.conn.commit()
    db.conn.close()


def test_a_page_is_read_from_one_snapshot_even_if_an_edit_lands_meanwhile(built_db, tmp_path):
    from app.web.db import database_version, get_db

    db_path, app = _site(built_db, tmp_path)
    with app.test_request_context("/assets/belgrave-library"):
        before, version = get_db().execute(NAME).fetchone()[0], database_version()
        _edit_name(db_path, "Belgrave Library (renamed meanwhile)")
        # The rest of this page still reads what its start read, and its caches the same version.
        assert get_db().execute(NAME).fetchone()[0] == before and database_version() == version
    with app.test_request_context("/assets/belgrave-library"):  # the thread's kept reader, next page
        assert get_db().execute(NAME).fetchone()[0] == "Belgrave Library (renamed meanwhile)"
        assert database_version() != version


def test_a_request_that_writes_then_reads_what_it_wrote(built_db, tmp_path):
    from app.web.db import get_db, get_write_db

    _, app = _site(built_db, tmp_path)
    with app.test_request_context("/workspace/assets/belgrave-library"):
        get_db().execute(NAME).fetchone()
        writer = get_write_db()
        writer.execute("update assets set name = 'Belgrave Library (saved)' where id = 'belgrave-library'")
        writer.conn.commit()
        assert get_db().execute(NAME).fetchone()[0] == "Belgrave Library (saved)"
