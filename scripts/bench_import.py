#!/usr/bin/env python3
"""Time the import preview (plan_import), then the import itself, of an N-row CSV at real Leicester postcodes.

The live database is built from the bundled data/assets.csv in a temporary folder; the CSV's
rows are all new listings, the slowest case (each one is checked, placed and given an id).

\b
Example:
    python scripts/bench_import.py --rows 10000
"""
from __future__ import annotations

import csv
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import write_assets  # noqa: E402

from app import store  # noqa: E402
from app.accounts import User  # noqa: E402
from app.assets.exchange import apply_import, plan_import  # noqa: E402
from app.assets.pipeline import build  # noqa: E402
from app.config import load_area  # noqa: E402


@click.command()
@click.option("--rows", default=10000, show_default=True, help="Rows in the CSV.")
@click.option("--repeat", default=3, show_default=True, help="Previews to time; the best is reported.")
def main(rows, repeat):
    """Print how long the preview of an N-row import takes on this machine."""
    area = load_area()
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with open(area.live_postcodes, encoding="utf-8", newline="") as handle:
        postcodes = sorted({r["pcd"].strip() for r in csv.DictReader(handle)})
    with tempfile.TemporaryDirectory() as folder:
        db_path, sheet = Path(folder) / "live.db", Path(folder) / "sheet.csv"
        build(area, db_path)
        write_assets(sheet, rows, postcodes)
        db = store.connect(db_path)
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            plan = plan_import(db, area, sheet)
            best = min(best, time.perf_counter() - start)
        print(f"preview of {rows:,} rows: {best:.2f} s (best of {repeat}); {plan.summary()}")
        store.migrate_connection(db.conn)
        start = time.perf_counter()
        apply_import(db, area, User(0, "benchmark", "admin"), sheet, plan.digest)
        print(f"import of the same rows, one transaction: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
