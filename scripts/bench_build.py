#!/usr/bin/env python3
"""Time the full build against a bare pandas + shapely baseline on synthetic asset CSVs.

Each CSV has N rows at real live Leicester postcodes (seeded, so runs are comparable). The
baseline does only the essential work: read the CSV, join postcodes to coordinates and put
each point in a ward; no validation and no SQLite. A third timing only stores the rows in
SQLite with full-text search, to show what the storing alone costs. Both sides run warm, best of --repeat.
Then (--import-rows) a connector's import of a sheet, preview + apply, timed against a build of the same
sheet in the same run: into a database built from another file (all rows new), and over the database
built from the sheet with one row in ten changed.
Exits non-zero if any build rejected a row.

\b
Example:
    python scripts/bench_build.py --sizes 1000,10000,100000 --repeat 3
"""
from __future__ import annotations

import csv
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import store  # noqa: E402
from app.accounts import User  # noqa: E402
from app.assets.exchange import apply_import, plan_import  # noqa: E402
from app.assets.pipeline import build  # noqa: E402
from app.assets.record import CATEGORIES  # noqa: E402
from app.config import load_area  # noqa: E402
from app.places.geocode import BNG, area_postcodes  # noqa: E402
from app.places.wards import load_wards  # noqa: E402

HEADER = ["id", "name", "category", "description", "postcode", "schedule", "source", "source_date"]


def write_assets(path: Path, n: int, postcodes: list[str], prefix: str = "bench", renamed_every: int = 0) -> None:
    """Write an asset CSV of n rows at postcodes picked from the given list (every k-th renamed, if asked)."""
    rng = random.Random(42)  # the same rows on every run, so timings compare
    slugs = list(CATEGORIES)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            renamed = " (renamed)" if renamed_every and i % renamed_every == 0 else ""
            writer.writerow([f"{prefix}-{i}", f"Benchmark asset {i}{renamed}", slugs[i % len(slugs)],
                             "Synthetic row for benchmarking", rng.choice(postcodes),
                             "Thu 10:00-12:00" if i % 3 == 0 else "", "benchmark", "2026"])


def best_of(repeat: int, fn):
    """Run fn repeat times; return the fastest time in seconds and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def postcode_frame() -> pd.DataFrame:
    """Turn the pipeline's cached LE postcode table into a DataFrame keyed by spaced postcode."""
    table = area_postcodes("LE")
    keys = list(table)
    return pd.DataFrame({
        "pcd": [f"{k[:-3]} {k[-3:]}" for k in keys],
        "easting": [table[k][0] for k in keys],
        "northing": [table[k][1] for k in keys],
    })


def baseline(csv_path: Path, directory: pd.DataFrame, tree: shapely.STRtree) -> int:
    """Read, join and place the CSV's rows the bare way; return how many got a ward."""
    assets = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    merged = assets.merge(directory, left_on="postcode", right_on="pcd", how="inner")
    points = shapely.points(merged["easting"].to_numpy(), merged["northing"].to_numpy())
    point_index, ward_index = tree.query(points, predicate="intersects")
    # np.unique's first index per point is its first hit, as the build keeps one ward a point.
    _, first = np.unique(point_index, return_index=True)
    return len(ward_index[first])


def sqlite_floor(csv_path: Path, db_path: Path) -> int:
    """Only store the CSV's rows in SQLite with FTS5, as the build must: no checks, no geography."""
    assets = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    db_path.unlink(missing_ok=True)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    columns = list(assets.columns)
    conn.execute(f"create table assets ({', '.join(c + ' text' for c in columns)})")
    with conn:
        conn.executemany(f"insert into assets values ({', '.join('?' * len(columns))})",
                         assets.itertuples(index=False, name=None))
    conn.execute("create virtual table assets_fts using fts5(name, description, category, content=assets)")
    conn.execute("insert into assets_fts (rowid, name, description, category) "
                 "select rowid, name, description, category from assets")
    conn.commit()
    count = conn.execute("select count(*) from assets").fetchone()[0]
    conn.close()
    return count


def time_import(area, live_db: Path, copy_from: Path, sheet: Path, repeat: int) -> tuple[float, str]:
    """Best of repeat: preview (plan_import) + apply_import of sheet into a fresh copy of copy_from."""
    best, summary = float("inf"), ""
    for _ in range(repeat):
        shutil.copyfile(copy_from, live_db)
        db = store.connect(live_db)
        store.migrate_connection(db.conn)  # the workspace's tables, as a live database has them
        start = time.perf_counter()
        plan = plan_import(db, area, sheet)
        apply_import(db, area, User(0, "benchmark", "admin"), sheet, plan.digest, preview=plan)
        best = min(best, time.perf_counter() - start)
        summary = plan.summary()
        db.conn.close()
    return best, summary


def import_figures(area, out: Path, n: int, live: list[str], repeat: int) -> None:
    """Print preview + apply of an n-row sheet against `assetmap build` of the same sheet, in this run."""
    sheet, small, edited = out / f"import-{n}.csv", out / "small.csv", out / f"import-{n}-edited.csv"
    write_assets(sheet, n, live)
    write_assets(small, 100, live, prefix="other")  # a different file: every imported row is new
    write_assets(edited, n, live, renamed_every=10)  # the same listings, one in ten renamed
    build_s, _ = best_of(repeat, lambda: build(area, out / "import-build.sqlite", assets_csv=sheet))
    build(area, out / "from-small.sqlite", assets_csv=small)
    new_s, new_summary = time_import(area, out / "live.sqlite", out / "from-small.sqlite", sheet, repeat)
    build(area, out / "from-sheet.sqlite", assets_csv=sheet)
    changed_s, changed_summary = time_import(area, out / "live.sqlite", out / "from-sheet.sqlite", edited, repeat)
    click.echo(f"\nImport of {n:,} rows (preview + apply, best of {repeat}) against `assetmap build` of the same file:")
    click.echo(f"  build: {build_s:.3f} s")
    click.echo(f"  all new (db built from another file): {new_s:.3f} s, ratio {new_s / build_s:.1f} (floor 2.0); "
               f"{new_summary}")
    click.echo(f"  one in ten changed (db built from this file): {changed_s:.3f} s, ratio {changed_s / build_s:.1f}; "
               f"{changed_summary}")


@click.command(help=__doc__)
@click.option("--sizes", default="1000,10000,100000", show_default=True,
              help="Comma-separated row counts to benchmark.")
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(min=1),
              help="Runs per measurement; the fastest is reported.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Folder for the CSVs and databases (default: a new temporary folder).")
@click.option("--import-rows", default=10000, show_default=True, type=click.IntRange(min=0),
              help="Also time a web import (preview + apply) of this many rows against a build of them; 0: skip.")
def main(sizes, repeat, out_dir, import_rows):
    sizes = sorted(int(s) for s in sizes.split(",") if s.strip())
    out = Path(out_dir or tempfile.mkdtemp(prefix="bench-build-"))
    out.mkdir(parents=True, exist_ok=True)
    area = load_area()
    with open(area.live_postcodes, encoding="utf-8", newline="") as handle:
        live = sorted({row["pcd"].strip() for row in csv.DictReader(handle)})

    click.echo(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    click.echo(f"files in {out}; best of {repeat}")
    paths = {}
    for n in sizes:
        paths[n] = out / f"assets-{n}.csv"
        write_assets(paths[n], n, live)

    def run_build(n):
        db = out / f"bench-{n}.sqlite"
        db.unlink(missing_ok=True)  # a fresh database each time, as a first deploy would have
        return build(area, db, assets_csv=paths[n])

    # Warm-up: the first build loads the postcode directory into area_postcodes's cache.
    run_build(sizes[0])
    # The baseline's inputs come from the same warm cache and are prepared outside the clock.
    directory = postcode_frame()
    wards = load_wards(area.wards_dir).to_crs(BNG)
    tree = shapely.STRtree(wards.geometry.to_numpy())

    rows, cold, failed = [], [], False
    for n in sizes:
        build_s, report = best_of(repeat, lambda: run_build(n))
        base_s, placed = best_of(repeat, lambda: baseline(paths[n], directory, tree))
        assert placed > 0.99 * n, f"baseline placed only {placed} of {n} rows in a ward"
        store_s, stored = best_of(repeat, lambda: sqlite_floor(paths[n], out / f"floor-{n}.sqlite"))
        assert stored == n
        # Cold: each side also loads the postcode directory itself, as a fresh `assetmap build` does.
        cold_build_s, _ = best_of(repeat, lambda: (area_postcodes.cache_clear(), run_build(n)))
        cold_base_s, _ = best_of(repeat, lambda: (area_postcodes.cache_clear(),
                                                  baseline(paths[n], postcode_frame(), tree)))
        cold.append((n, cold_build_s, cold_base_s))
        failed |= report.rejected > 0
        rows.append((n, build_s, base_s, store_s, report.imported, report.rejected, report.warned))

    click.echo(f"{'N':>8} {'build s':>9} {'build rows/s':>13} {'base s':>8} {'base rows/s':>12} "
               f"{'ratio':>7} {'store s':>8} {'store/base':>10} {'imported':>9} {'rejected':>9} {'warned':>7}")
    for n, build_s, base_s, store_s, imported, rejected, warned in rows:
        click.echo(f"{n:>8} {build_s:>9.3f} {n / build_s:>13,.0f} {base_s:>8.3f} {n / base_s:>12,.0f} "
                   f"{build_s / base_s:>7.1f} {store_s:>8.3f} {store_s / base_s:>10.1f} "
                   f"{imported:>9} {rejected:>9} {warned:>7}")
    click.echo("store s: only writing the same rows to SQLite with FTS5 (no checks, no geography), "
               "a floor under any build that stores them")
    click.echo("\nCold (each side loads the postcode directory itself):")
    click.echo(f"{'N':>8} {'build s':>9} {'base s':>8} {'ratio':>7}")
    for n, build_s, base_s in cold:
        click.echo(f"{n:>8} {build_s:>9.3f} {base_s:>8.3f} {build_s / base_s:>7.1f}")
    if import_rows:
        import_figures(area, out, import_rows, live, repeat)
    if failed:
        raise click.ClickException("a build rejected rows; the timings do not measure a clean import")


if __name__ == "__main__":
    main()
