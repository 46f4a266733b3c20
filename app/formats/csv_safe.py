"""Spreadsheet-safe CSV: cells that a spreadsheet would run as formulas are quoted, and unquoted on import."""
from __future__ import annotations

import re

# Files we write for people to open by double-clicking in Excel: the byte-order mark is how Excel
# knows they are UTF-8, so Gujarati and Urdu show as written rather than as mojibake.
SPREADSHEET_ENCODING = "utf-8-sig"


# Spreadsheets run a cell that starts with one of these as a formula (Excel also reads the
# full-width forms, and skips leading spaces and tabs before looking). Leading apostrophes are
# part of the pattern so that text really beginning with "'=" survives the round trip.
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r ＝＋－＠]")


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise(value: str) -> str:
    """Make a cell safe to open in a spreadsheet: text that would run as a formula gets a leading '."""
    if value and _FORMULA_START.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo neutralise(): drop the ' our export put before formula-like text."""
    if value[:1] == "'" and _FORMULA_START.match(value):
        return value[1:]
    return value
