#!/usr/bin/env python3
"""Time planning a patch walk of 60 stops, as the workspace plans one, on the straight-line path.

Builds a database of listings at real live Leicester postcodes (as bench_search.py does), then
times the whole plan the view makes: the candidates of a ward (ranked), the walking distances,
the route from a start back to it (python-tsp) and the trimming to a time budget. Prints p50/p95
and the machine. Floor: under 1 s for 60 stops. A street network's timing is `--streets EXTRACT`
when the area names one (app/walks/streets.py).

\b
Example:
    python scripts/bench_walks.py --stops 60 --runs 20
"""
from __future__ import annotations

import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import write_assets

from app import store
from app.assets.pipeline import build
from app.config import load_area
from app.walks.planner import End, candidates, make_plan
from app.walks.route import StraightLine


@click.command(help=__doc__)
@click.option("--listings", default=10_000, show_default=True, help="Listings in the database.")
@click.option("--stops", default=60, show_default=True, help="Stops in each planned walk.")
@click.option("--runs", default=20, show_default=True, help="Plans to time.")
@click.option("--floor-s", default=1.0, show_default=True, help="Fail if p95 is over this.")
def main(listings, stops, runs, floor_s):
    area = load_area()
    with open(area.live_postcodes, encoding="utf-8", newline="") as handle:
        live = sorted({row["pcd"].strip() for row in csv.DictReader(handle)})
    out = Path(tempfile.mkdtemp(prefix="bench-walks-"))
    write_assets(out / "assets.csv", listings, live)
    build(area, out / "a.db", out / "assets.csv")
    db = store.connect(out / "a.db")
    wards = [r[0] for r in db.execute("select ward_code from assets where location_precision != 'ward' "
                                      "group by ward_code having count(*) >= ? order by ward_code", [stops])]
    click.echo(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    click.echo(f"{listings:,} listings; {len(wards)} wards with at least {stops} located listings; "
               f"{runs} plans of {stops} stops, each from a start back to it, straight line x 1.3")
    timings, budgets = [], [None, 240]
    for run in range(runs):
        ward = wards[run % len(wards)]
        started = time.perf_counter()
        found = candidates(db, date(2026, 11, 26), ward_code=ward)
        chosen = [c.asset_id for c in found.located[:stops]]
        start = End("start", found.located[0].place)
        plan = make_plan(found, StraightLine(), chosen=chosen, start=start, end=start,
                         budget_minutes=budgets[run % 2], minutes_per_stop=5)
        timings.append(time.perf_counter() - started)
        assert len(plan.stops) + len(plan.left_out) == stops
    cuts = statistics.quantiles(timings, n=20, method="inclusive")
    p50, p95 = statistics.median(timings), cuts[18]
    click.echo(f"plan of {stops} stops: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
               f"(half of the runs also trimmed to a 4-hour budget)")
    if p95 > floor_s:
        raise click.ClickException(f"p95 {p95:.2f} s is over the {floor_s:.1f} s floor")


if __name__ == "__main__":
    main()
