"""The live database and CSV files: exporting it in the asset CSV format, safe for spreadsheets."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import sqlite_utils

from .assets import COLUMNS

# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
EXPORT_EXTRA = ("status", "private_address")


def neutralise(value: str) -> str:
    """Make a cell safe to open in a spreadsheet: text that would run as a formula gets a leading '."""
    if value and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def export_rows(db: sqlite_utils.Database, include_private: bool = False, include_deleted: bool = False) -> list[dict]:
    """Every asset as a row of the asset CSV contract, plus status and (if asked) the private flag."""
    where = "" if include_deleted else "where status != 'deleted'"
    rows = []
    for asset in db.execute(f"select * from assets {where} order by rowid"):
        asset = dict(asset)
        row = {c: "" if asset.get(c) is None else str(asset[c]) for c in COLUMNS}
        if asset["location_precision"] != "exact":
            row["lat"] = row["lon"] = ""  # derived from the postcode; the postcode is the source
        row["location_precision"] = "ward" if asset["location_precision"] == "ward" else ""
        row["ward"] = asset["ward_name"] or ""
        row["status"] = asset["status"]
        if asset["private_address"]:
            if include_private:
                row["private_address"] = "1"
            else:
                row["address"] = ""
                row["postcode"] = ""
                row["lat"] = row["lon"] = ""
                row["location_precision"] = "ward"
        for key, value in json.loads(asset["extra"] or "{}").items():
            row.setdefault(key, value)
        rows.append(row)
    return rows


def write_csv(rows: list[dict], path: str | Path) -> Path:
    """Write rows with the contract columns first, every cell neutralised for spreadsheets."""
    header = list(COLUMNS) + [c for c in EXPORT_EXTRA if any(c in r for r in rows)]
    header += sorted({k for r in rows for k in r} - set(header))
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise(row.get(k, "")) for k in header})
    return path
