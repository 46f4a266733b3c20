"""Trust a trader in and out of spreadsheets: CSV export and import of the directory."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import sqlite_utils

from app.accounts import User
from app.assets.record import decode_csv_bytes
from app.formats.csv_safe import SPREADSHEET_ENCODING, neutralise, unneutralise
from app.traders.directory import TraderError, save_trader

TRADER_COLUMNS = ("id", "name", "trades", "areas", "base_postcode", "phone", "email", "website", "languages",
                  "memberships", "callout_charge", "free_quotes", "status")


def export_traders(db: sqlite_utils.Database, path: str | Path) -> int:
    """Write every trader (not recommenders' details, which are never exported) as CSV."""
    rows = []
    for row in db.execute(f"select {', '.join(TRADER_COLUMNS)} from traders where status != 'removed' order by name"):
        trader = dict(zip(TRADER_COLUMNS, row))
        trader["trades"] = "; ".join(json.loads(trader["trades"]))
        trader["areas"] = "; ".join(json.loads(trader["areas"]))
        trader["memberships"] = "; ".join(f"{m['scheme']} {m.get('number', '')}".strip()
                                          for m in json.loads(trader["memberships"]))
        trader["free_quotes"] = "" if trader["free_quotes"] is None else str(trader["free_quotes"])
        rows.append({k: "" if v is None else str(v) for k, v in trader.items()})
    with open(path, "w", encoding=SPREADSHEET_ENCODING, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TRADER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise(v) for k, v in row.items()})
    return len(rows)


def import_traders(db: sqlite_utils.Database, user: User, path: str | Path) -> tuple[int, list[str]]:
    """Add or update traders from a CSV as written by export_traders; new ones start pending.

    Status is never raised by an import: listing stays a connector's decision in the workspace.
    Returns how many were saved and the problems, row by row.
    """
    text = decode_csv_bytes(Path(path).read_bytes(), Path(path).name)
    saved, problems = 0, []
    for number, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        row = {k: unneutralise(v or "") for k, v in row.items() if k}
        memberships = []
        for item in (row.get("memberships") or "").split(";"):
            scheme, _, number_text = item.strip().partition(" ")
            if scheme:
                memberships.append({"scheme": scheme, "number": number_text.strip()})
        values = {**row, "trades": [t.strip() for t in (row.get("trades") or "").split(";")],
                  "areas": [a.strip() for a in (row.get("areas") or "").split(";")], "memberships": memberships,
                  "note": f"import of {Path(path).name}"}
        existing = row.get("id") and db.execute("select 1 from traders where id = ?", [row["id"]]).fetchone()
        try:
            save_trader(db, user, values, row["id"] if existing else None)
        except TraderError as exc:
            problems.append(f"row {number}: {exc}")
        else:
            saved += 1
    return saved, problems
