#!/usr/bin/env python3
"""Time the monthly ward newsletter: one (the first in a fresh process, and again), and all 21 wards.

Builds a database of the bundled listings plus six activities with times in every ward (weekly,
twice weekly, monthly, fortnightly: about 30 dated sessions a month, a busy ward), then times
gathering and printing the PDF as the ward page and `assetmap newsletter` do. The first one in a
process also loads WeasyPrint and the fonts. Floors: one newsletter under 3 s; every ward in one
language under 60 s.

\b
Example:
    python scripts/bench_newsletter.py --lang gu
"""
from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.assets.pipeline import build
from app.config import load_area

SCHEDULES = ("Tue 10:00-12:00", "Wed,Fri 12:00-14:00", "2nd Thu 14:00-16:00",
             "Every other Sat 10:00-11:00 from 2026-12-05", "Mon 14:00-15:30", "Last Fri 18:00-20:00")


def write_listings(path: Path, area) -> None:
    with open(area.assets_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    wards = json.loads((area.wards_dir / "wards.geojson").read_text(encoding="utf-8"))["features"]
    for feature in wards:
        name = feature["properties"]["ward_name"]
        for n, schedule in enumerate(SCHEDULES, 1):
            rows.append({**{k: "" for k in header}, "name": f"{name} group {n}", "category": "group_activity",
                         "ward": name, "location_precision": "ward", "schedule": schedule, "source": "bench"})
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


@click.command(help=__doc__)
@click.option("--lang", default="en", show_default=True, help="The newsletters' language.")
@click.option("--month", default="2026-12", show_default=True)
@click.option("--runs", default=5, show_default=True, help="Times to print the one newsletter again.")
def main(lang, month, runs):
    area = load_area()
    out = Path(tempfile.mkdtemp(prefix="bench-newsletter-"))
    write_listings(out / "assets.csv", area)
    build(area, out / "a.db", out / "assets.csv")
    app = create_app({"DATABASE": str(out / "a.db"), "TILE_URL": "", "SECRET_KEY": "bench"})
    click.echo(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with app.test_request_context(base_url="https://map.example.org"):
        from app.assets.search import list_wards
        from app.web.db import get_db

        db = get_db()
        now = datetime.now()
        started = time.perf_counter()
        from app.newsletters.newsletter import gather, parse_month
        from app.newsletters.render import render_newsletter

        first = parse_month(month)
        news = gather(db, area, "belgrave", first, now)
        pages = render_newsletter(news, lang)
        cold = time.perf_counter() - started
        click.echo(f"Belgrave, {month}, {lang}: {len(news.happenings)} dated sessions, {len(pages) // 1024} KB")
        click.echo(f"one newsletter, first in the process (loads WeasyPrint and fonts): {cold:.2f} s")
        again = []
        for _ in range(runs):
            started = time.perf_counter()
            render_newsletter(gather(db, area, "belgrave", first, now), lang)
            again.append(time.perf_counter() - started)
        click.echo(f"one newsletter again: median {statistics.median(again):.2f} s, worst {max(again):.2f} s")
        started = time.perf_counter()
        wards = list_wards(db)
        for ward in wards:
            render_newsletter(gather(db, area, ward["slug"], first, now), lang)
        every = time.perf_counter() - started
        click.echo(f"all {len(wards)} wards in {lang}: {every:.1f} s")
    if max(cold, *again) >= 3 or every >= 60:
        click.echo("FAILED the floors: one under 3 s, all wards under 60 s")
        sys.exit(1)


if __name__ == "__main__":
    main()
