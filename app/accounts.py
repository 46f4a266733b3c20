"""Accounts for community connectors and admins: creating them, checking passwords, throttling."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from app import ratelimit
from app.clock import stamp
from app.store.connection import transaction

ROLES = ("connector", "admin")
MIN_PASSWORD = 10
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
             stamp()])
    return User(cursor.lastrowid, name, role)


def get_user(db: sqlite_utils.Database, user_id: int) -> User | None:
    row = db.execute("select id, name, role from users where id = ? and active", [user_id]).fetchone()
    return User(*row) if row else None


def list_users(db: sqlite_utils.Database) -> list[User]:
    return [User(*row) for row in db.execute("select id, name, role from users where active order by name")]


def _pair(name: str, address: str) -> str:
    return f"{name.casefold()}|{address}"


# What a person is told when a sign-in bucket is full.
PAUSED = {
    "sign-in": "too many failed sign-ins for this name; please wait 15 minutes and try again",
    "sign-in-address": "too many failed sign-ins from this network; please wait 15 minutes and try again",
    "sign-in-name": ("this account is paused after failed sign-ins from several places; an admin can unlock it "
                     "under Accounts, or wait an hour and try again"),
}


def authenticate(db: sqlite_utils.Database, name: str, password: str, address: str = "",
                 now: float | None = None) -> User | None:
    """Return the user if the name and password match; count a failure otherwise.

    Raises UserError while a sign-in limit is reached, without checking the password at all.
    """
    name = " ".join(name.split())
    # Take the attempt from every limit before the (slow) password check, in one transaction, so
    # parallel guesses cannot all be checked; a success gives the attempt back.
    try:
        taken = ratelimit.take(db, [("sign-in", _pair(name, address)), ("sign-in-address", address),
                                    ("sign-in-name", name.casefold())], now)
    except ratelimit.Limited as exc:
        raise UserError(PAUSED[exc.bucket]) from None
    row = db.execute("select id, name, role, password_hash from users where name = ? and active", [name]).fetchone()
    if check_password_hash(row[3] if row else _DUMMY_HASH, password) and row:
        ratelimit.forget(db, taken)
        ratelimit.forget(db, bucket="sign-in", key=_pair(name, address))
        return User(row[0], row[1], row[2])
    return None


def unlock(db: sqlite_utils.Database, name: str) -> None:
    """Forget every failed sign-in for a name, from every address."""
    folded = " ".join(name.split()).casefold()
    ratelimit.forget(db, bucket="sign-in-name", key=folded)
    ratelimit.forget(db, bucket="sign-in", key_prefix=folded + "|")


def session_version(db: sqlite_utils.Database, user_id: int) -> int | None:
    """Return the account's session version (None if it cannot sign in)."""
    row = db.execute("select session_version from users where id = ? and active", [user_id]).fetchone()
    return row[0] if row else None


def end_sessions(db: sqlite_utils.Database, user_id: int) -> None:
    """End every session of an account, on every device."""
    with transaction(db):
        db.execute("update users set session_version = session_version + 1 where id = ?", [user_id])


def set_password(db: sqlite_utils.Database, name: str, password: str) -> None:
    """Give an account a new password, end its sessions and clear its failed sign-ins."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters long")
    with transaction(db):
        cursor = db.execute("update users set password_hash = ?, session_version = session_version + 1 where name = ?",
                            [generate_password_hash(password, method="scrypt"), name])
        if cursor.rowcount == 0:
            raise UserError(f"there is no account called {name}")
    unlock(db, name)


def deactivate(db: sqlite_utils.Database, name: str, by: User) -> None:
    """Stop an account signing in (its history stays); an admin cannot lock themselves out."""
    if name.casefold() == by.name.casefold():
        raise UserError("you cannot deactivate your own account")
    with transaction(db):
        if db.execute("update users set active = 0 where name = ?", [name]).rowcount == 0:
            raise UserError(f"there is no account called {name}")
