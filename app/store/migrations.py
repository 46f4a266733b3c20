"""Schema migrations: numbered steps that upgrade a live database in place, never by rebuilding it.

`PRAGMA user_version` records how many steps a database has had. Each step is one small function
run in its own transaction together with the version bump, so a crash leaves the database at the
last whole step. A database made by newer code than this (a higher version) is refused, never
guessed at. A step never loses what people made: a live database holds accounts, history, traders
and suggestions.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable


class DatabaseTooNew(RuntimeError):
    """The database was upgraded by a newer version of this software than the one running."""


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"pragma table_info([{table}])")}


def _add_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    have = _columns(conn, table)
    for name, definition in columns.items():
        if name not in have:
            conn.execute(f"alter table [{table}] add column [{name}] {definition}")


def _run(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, and each step must be one transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _1_workspace(conn: sqlite3.Connection) -> None:
    """The workspace's tables: asset status and versions, accounts, history, suggestions, traders.

    Databases made before migrations existed (user_version 0) may already have all of this, made
    by the old start-up check, so this step only adds what is missing.
    """
    _add_columns(conn, "assets", {
        "status": "text not null default 'open'",
        "private_address": "integer not null default 0",
        "version": "integer not null default 1",
        "verified_by": "text",
        "updated_at": "text",
    })
    _run(conn, """
        create table if not exists users (
            id integer primary key, name text not null unique collate nocase,
            password_hash text not null, role text not null check (role in ('connector', 'admin')),
            active integer not null default 1, created_at text not null);
        create table if not exists sign_in_failures (name text not null, address text, at real not null);
        create index if not exists sign_in_failures_name on sign_in_failures (name, at);
        create table if not exists changes (
            id integer primary key, change_set integer not null, asset_id text not null,
            at text not null, user_name text not null, action text not null,
            field text, old_value text, new_value text, note text);
        create index if not exists changes_asset on changes (asset_id, change_set);
        create table if not exists meta (key text primary key, value text);
        insert or ignore into meta (key, value) values ('data_version', '1');
        create table if not exists suggestions (
            id integer primary key, kind text not null, asset_id text, problem text,
            name text not null default '', category text not null default '', postcode text not null default '',
            when_text text not null default '', details text not null default '', contact text,
            created_at text not null, status text not null default 'open', reason text,
            handled_by text, handled_at text, merged_into text);
        create table if not exists suggestion_senders (address text not null, at real not null);
        create table if not exists traders (
            id text primary key, name text not null, trades text not null default '[]',
            areas text not null default '[]', base_postcode text, base_lat real, base_lon real,
            base_easting real, base_northing real,
            phone text not null default '', email text not null default '', website text not null default '',
            languages text not null default '', memberships text not null default '[]',
            callout_charge text not null default '', free_quotes integer,
            status text not null default 'pending', status_reason text, example integer not null default 0,
            created_at text not null, updated_at text not null, version integer not null default 1);
        create table if not exists trader_checks (
            id integer primary key, trader_id text not null references traders(id), kind text not null,
            checked_on text not null, connector text not null, expires_on text, detail text not null default '');
        create table if not exists recommendations (
            id integer primary key, trader_id text not null references traders(id), given_name text not null,
            ward_code text, job text not null, job_month text, would_use_again integer,
            comments text not null default '', contact text, channel text not null default 'web',
            status text not null default 'pending', reply text, created_at text not null,
            moderated_by text, moderated_at text);
        create table if not exists trader_changes (
            id integer primary key, trader_id text not null, at text not null, user_name text not null,
            action text not null, field text, old_value text, new_value text, note text);
    """)


def _2_trust(conn: sqlite3.Connection) -> None:
    """Sessions that can be ended, one rate limiter, single-use forms, renamed ids, trader reports.

    The old per-purpose throttling tables held only addresses and times; the one rate limiter's
    `rate_events` replaces them, so they are dropped rather than kept as stale personal data.
    """
    _add_columns(conn, "users", {"session_version": "integer not null default 1"})
    _add_columns(conn, "suggestions", {"trader_id": "text"})
    _run(conn, """
        create table if not exists rate_events (bucket text not null, key text not null, at real not null);
        create index if not exists rate_events_key on rate_events (bucket, key, at);
        create table if not exists used_forms (nonce text primary key, at real not null);
        create index if not exists changes_set on changes (change_set);
        create table if not exists asset_redirects (old_id text primary key, new_id text not null);
        drop table if exists sign_in_failures;
        drop table if exists suggestion_senders
    """)


def _3_walks(conn: sqlite3.Connection) -> None:
    """Patch walks: a planned route of stops, each stop's outcome, and what connectors captured on foot.

    A walk's id is random (it travels in a QR code on paper); each stop keeps the listing version the
    plan was made from, so an outcome sent later from a phone that was offline can tell it is stale.
    A capture is a poster or flyer photographed on a walk: private to connectors, joined to the draft
    suggestion it became, its photo deleted when that draft is closed.
    """
    _run(conn, """
        create table if not exists walks (
            id text primary key, ward_code text, title text not null default '',
            created_by text not null, created_at text not null,
            start_label text not null default '', end_label text not null default '',
            budget_minutes integer, minutes_per_stop integer,
            plan text not null default '{}', status text not null default 'planned',
            finished_at text);
        create table if not exists walk_stops (
            walk_id text not null references walks(id), seq integer not null, asset_id text not null,
            asset_version integer, outcome text, outcome_at text, outcome_by text, note text,
            primary key (walk_id, seq));
        create index if not exists walk_stops_asset on walk_stops (asset_id);
        create table if not exists captures (
            id integer primary key, suggestion_id integer references suggestions(id), walk_id text,
            photo_path text, ocr_text text not null default '', lat real, lon real, postcode text,
            created_by text not null, created_at text not null)
    """)


def _4_kiosks(conn: sqlite3.Connection) -> None:
    """Library kiosks: a touch screen's name, the place its lists are measured from, language, idle time, printer.

    A kiosk's pages are public, so its slug only has to name it in the address, not be secret. Its
    place is kept as the label it came from (a listing id or a postcode) with the point it gave.
    """
    _run(conn, """
        create table if not exists kiosks (
            id integer primary key, name text not null unique collate nocase,
            slug text not null unique, place_label text not null, place_kind text not null
                check (place_kind in ('listing', 'postcode')),
            easting real not null, northing real not null, lat real not null, lon real not null, ward_code text,
            language text not null default 'en', idle_seconds integer not null default 90,
            printer text not null default 'a4' check (printer in ('a4', 'receipt', 'none')),
            created_at text not null, created_by text not null, updated_at text, updated_by text);
        create table if not exists kiosk_changes (
            id integer primary key, kiosk_id text not null, at text not null, user_name text not null,
            action text not null, field text, old_value text, new_value text, note text)
    """)


def _5_kiosk_usage(conn: sqlite3.Connection) -> None:
    """Kiosk usage counts: per kiosk, day and kind of event, how many times (anonymous and coarse).

    Only a count per day: no time of day, no address, nothing anyone typed (app.kiosks.usage).
    """
    _run(conn, """
        create table if not exists kiosk_usage (
            kiosk_id integer not null, day text not null, event text not null,
            count integer not null default 0 check (count >= 0),
            primary key (kiosk_id, day, event))
    """)


def _6_capture_sends(conn: sqlite3.Connection) -> None:
    """Captures sent from a walk carry the phone's own id, so a photo sent twice is saved once.

    A phone that loses signal after sending a photo, but before hearing back, sends it again; the id
    it made when the photo was taken says it is the same one.
    """
    _add_columns(conn, "captures", {"client_id": "text"})
    _run(conn, "create unique index if not exists captures_client on captures (created_by, client_id) "
               "where client_id is not null")


# The steps, in order: a database at version N has had the first N.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _1_workspace,
    _2_trust,
    _3_walks,
    _4_kiosks,
    _5_kiosk_usage,
    _6_capture_sends,
)
LATEST = len(MIGRATIONS)


def version_of(conn: sqlite3.Connection) -> int:
    return conn.execute("pragma user_version").fetchone()[0]


def check_not_newer(conn: sqlite3.Connection, where: str = "the database") -> int:
    """Return the database's version; refuse one made by newer software."""
    version = version_of(conn)
    if version > LATEST:
        raise DatabaseTooNew(
            f"{where} is at schema version {version}, but this version of assetmap knows only up to "
            f"{LATEST}. It was upgraded by a newer release: install that release (or newer) to use it. "
            "Nothing was changed.")
    return version


def migrate_connection(conn: sqlite3.Connection, where: str = "the database") -> tuple[int, int]:
    """Run every step the database has not had; return (version before, version after)."""
    before = check_not_newer(conn, where)
    isolation, conn.isolation_level = conn.isolation_level, None  # we open each transaction ourselves
    try:
        _run_steps(conn, before)
    finally:
        conn.isolation_level = isolation
    return before, version_of(conn)


def _run_steps(conn: sqlite3.Connection, before: int) -> None:
    for number in range(before + 1, LATEST + 1):
        step = MIGRATIONS[number - 1]
        conn.execute("begin immediate")
        try:
            # Another process may have run this step while we waited for the lock.
            if version_of(conn) >= number:
                conn.rollback()
                continue
            step(conn)
            conn.execute(f"pragma user_version = {number}")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def migrate(db_path: str | Path) -> tuple[int, int]:
    """Upgrade the database file at db_path in place; return (version before, version after)."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise FileNotFoundError(f"no database at {db_path}; run `assetmap build` first")
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        return migrate_connection(conn, str(db_path))
    finally:
        conn.close()


def pending(db_path: str | Path) -> list[str]:
    """Describe the steps a database still needs (first docstring line of each)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        version = check_not_newer(conn, str(db_path))
    finally:
        conn.close()
    return [f"{n}: {(MIGRATIONS[n - 1].__doc__ or '').strip().splitlines()[0]}" for n in range(version + 1, LATEST + 1)]
