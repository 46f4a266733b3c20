"""Accounts for community connectors and admins: creating them, checking passwords, throttling."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from .store import transaction

ROLES = ("connector", "admin")
MIN_PASSWORD = 10
# After this many failed sign-ins for one name within the window, refuse for the rest of it.
MAX_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60
# Checking a password for a name that does not exist costs the same as a real check.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


class UserError(ValueError):
    """An account that cannot be made or changed, with the reason."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def add_user(db: sqlite_utils.Database, name: str, password: str, role: str = "connector") -> User:
    """Create an account; the password is stored only as a scrypt hash."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise UserError("a name is needed (80 characters at most)")
    if role not in ROLES:
        raise UserError(f"role must be one of: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters long")
    if db.execute("select 1 from users where name = ?", [name]).fetchone():
        raise UserError(f"there is already an account called {name}")
    with transaction(db):
        cursor = db.execute(
            "insert into users (name, password_hash, role, created_at) values (?, ?, ?, ?)",
            [name, generate_password_hash(password, method="scrypt"), role,
             datetime.now(timezone.utc).isoformat(timespec="seconds")])
    return User(cursor.lastrowid, name, role)


def get_user(db: sqlite_utils.Database, user_id: int) -> User | None:
    row = db.execute("select id, name, role from users where id = ? and active", [user_id]).fetchone()
    return User(*row) if row else None


def list_users(db: sqlite_utils.Database) -> list[User]:
    return [User(*row) for row in db.execute("select id, name, role from users where active order by name")]


def is_throttled(db: sqlite_utils.Database, name: str, now: float | None = None) -> bool:
    """Say whether sign-in for this name is paused after too many recent failures."""
    now = time.time() if now is None else now
    count = db.execute("select count(*) from sign_in_failures where name = ? collate nocase and at > ?",
                       [name, now - FAILURE_WINDOW_S]).fetchone()[0]
    return count >= MAX_FAILURES


def authenticate(db: sqlite_utils.Database, name: str, password: str, address: str = "",
                 now: float | None = None) -> User | None:
    """Return the user if the name and password match; record a failure otherwise.

    Raises UserError while the name is throttled, without checking the password at all.
    """
    now = time.time() if now is None else now
    name = " ".join(name.split())
    if is_throttled(db, name, now):
        raise UserError("too many failed sign-ins for this name; please wait 15 minutes and try again")
    row = db.execute("select id, name, role, password_hash from users where name = ? and active", [name]).fetchone()
    if check_password_hash(row[3] if row else _DUMMY_HASH, password) and row:
        with transaction(db):
            db.execute("delete from sign_in_failures where name = ? collate nocase", [name])
        return User(row[0], row[1], row[2])
    with transaction(db):
        db.execute("insert into sign_in_failures (name, address, at) values (?, ?, ?)", [name, address, now])
        db.execute("delete from sign_in_failures where at < ?", [now - FAILURE_WINDOW_S])
    return None


def set_password(db: sqlite_utils.Database, name: str, password: str) -> None:
    """Give an account a new password (and clear its failed sign-ins)."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters long")
    with transaction(db):
        cursor = db.execute("update users set password_hash = ? where name = ?",
                            [generate_password_hash(password, method="scrypt"), name])
        if cursor.rowcount == 0:
            raise UserError(f"there is no account called {name}")
        db.execute("delete from sign_in_failures where name = ? collate nocase", [name])


def deactivate(db: sqlite_utils.Database, name: str, by: User) -> None:
    """Stop an account signing in (its history stays); an admin cannot lock themselves out."""
    if name.casefold() == by.name.casefold():
        raise UserError("you cannot deactivate your own account")
    with transaction(db):
        if db.execute("update users set active = 0 where name = ?", [name]).rowcount == 0:
            raise UserError(f"there is no account called {name}")
