#!/usr/bin/env python3
"""Time searches in-process at N listings, against the old full-scan search in the same run.

Builds N-row databases at real live Leicester postcodes (scripts/bench_build.py's rows: a third
on Thursdays), then times, over many origins: near a postcode within 1 km and at any distance,
a keyword, a day filter, the JSON API and the map's data. The baseline is the search as it was
before the index (every public listing read and measured in Python on each request), kept below.
Prints p50/p95 in milliseconds; exits 1 if a floor is missed (near-postcode p95 <= 25 ms at
10,000, <= 60 ms at 100,000, and >= 10x the baseline at 100,000).

\b
Example:
    python scripts/bench_search.py --sizes 10000,100000 --runs 40
"""
from __future__ import annotations

import csv
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import write_assets

from app import create_app, store
from app.assets import search as search_module
from app.assets.pipeline import build
from app.assets.record import PUBLIC_SQL
from app.assets.search import Found, Query, Result, frozen_asset, is_stale, search
from app.config import load_area
from app.places.locate import from_postcode

NOW = datetime(2026, 11, 26, 9, 0)  # a Thursday
FIRST_VIEW = "-1.73,52.48,-0.53,52.79"  # what Chromium's 1280 x 720 view of Leicester's wards asks for
FLOORS = {10_000: 25.0, 100_000: 60.0}
SLIM = ("id", "name", "category", "lat", "lon", "ward_code", "location_precision", "sessions",
        "cost", "accessibility", "languages", "easting", "northing", "private_address", "last_verified", "audience")


def _full_scan_rows(db, query: Query):
    where, params = [PUBLIC_SQL], {}
    if query.categories:
        names = [f":category{i}" for i in range(len(query.categories))]
        where.append(f"assets.category in ({', '.join(names)})")
        params.update({name[1:]: slug for name, slug in zip(names, query.categories)})
    if query.ward_code:
        where.append("assets.ward_code = :ward_code")
        params["ward_code"] = query.ward_code
    # Quoting turns every word into a literal phrase; text with no words quotes to nothing.
    fts_query = db.quote_fts(query.q.strip()) if query.q and query.q.strip() else ""
    # Five decimal places is about a metre: finer than a postcode centre can claim.
    columns = ", ".join(f"round(assets.{c}, 5)" if c in ("lat", "lon") else f"assets.{c}" for c in SLIM)
    if fts_query:
        params["query"] = fts_query
        sql = (f"select {columns} from assets join assets_fts on assets_fts.rowid = assets.rowid "
               "where assets_fts match :query" + "".join(f" and {w}" for w in where) +
               " order by assets_fts.rank, assets.name, assets.id")
    else:
        sql = (f"select {columns} from assets where " + " and ".join(where) +
               " order by assets.name collate nocase, assets.id")
    return db.execute(sql, params)


def full_scan_search(db, query: Query, now: datetime) -> Found:
    """The search before the index: read every public listing and measure each in Python (same answers)."""
    results, ward_only = [], []
    origin = query.origin
    # From a postcode or a device we measure; a ward's centre is no one's front door.
    measuring = origin is not None and origin.kind != "ward" and origin.easting is not None
    filtering = (query.day is not None or query.on_date is not None or query.at is not None or query.free
                 or query.access or query.language or query.audience)
    # Wards are 21 polygons: measured once per search, not per listing.
    nearby = search_module.ward_distances(db, origin.easting, origin.northing) if measuring else {}
    if measuring and origin.ward_code:
        nearby[origin.ward_code] = 0.0  # the simplified boundary may shave off the resident's own street
    for row in _full_scan_rows(db, query):
        sessions = search_module._sessions(row[7])
        if filtering and not search_module._matches(row, sessions, query, now.date()):
            continue
        private = row[13]
        asset = {"id": row[0], "name": row[1], "category": row[2], "lat": row[3], "lon": row[4],
                 "ward_code": row[5], "location_precision": row[6], "last_verified": row[14]}
        if private:
            search_module._public(asset, True)
        distance = None
        if measuring:
            # A private listing is someone's home: no distance, no place in the nearest-first
            # order (a few searches from different postcodes would triangulate it).
            easting, northing = (None, None) if private else (row[11], row[12])
            if easting is None:
                ward_m = nearby.get(row[5])
                if ward_m is not None and (query.radius_m is None or ward_m <= query.radius_m):
                    ward_only.append(Result(frozen_asset(asset), now, None, sessions, ward_m))
                continue
            distance = math.hypot(easting - origin.easting, northing - origin.northing)
            if query.radius_m is not None and distance > query.radius_m:
                continue
        results.append(Result(frozen_asset(asset), now, distance, sessions))
    if measuring:
        results.sort(key=lambda r: (r.distance_m, r.asset["name"].casefold(), r.asset["id"]))
        ward_only.sort(key=lambda r: (r.ward_distance_m, r.asset["name"].casefold(), r.asset["id"]))
    # Listings last checked over a year ago go to the end (in the same order among themselves);
    # never-checked ones are not moved, or every imported listing would sink together.
    today = now.date()
    results.sort(key=lambda r: bool(r.asset["last_verified"]) and is_stale(r.asset, today))
    suggestion = None
    if not results and not ward_only and query.q.strip():
        suggestion = search_module.suggest_words(db, query.q)
    return Found(tuple(results), suggestion, tuple(ward_only))


def percentiles(times: list[float]) -> tuple[float, float]:
    """Return p50 and p95 of times in seconds, in milliseconds."""
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times) * 1000, cuts[18] * 1000


def timed(fn, arguments: list) -> list[float]:
    times = []
    for argument in arguments:
        start = time.perf_counter()
        fn(argument)
        times.append(time.perf_counter() - start)
    return times


def first_page(found: Found) -> list[str]:
    """What a resident sees: the first 50 results, as the home page shows them."""
    return [r.asset["id"] for r in found.results[:50]]


@click.command(help=__doc__)
@click.option("--sizes", default="10000,100000", show_default=True, help="Comma-separated listing counts.")
@click.option("--runs", default=40, show_default=True, type=click.IntRange(min=20), help="Timed runs per measurement.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the databases (default: temporary).")
def main(sizes, runs, out_dir):
    out = Path(out_dir or tempfile.mkdtemp(prefix="bench-search-"))
    out.mkdir(parents=True, exist_ok=True)
    os.environ["ASSETMAP_INSTANCE"] = str(out / "instance")  # keep create_app out of the project folder
    area = load_area()
    with open(area.live_postcodes, encoding="utf-8", newline="") as handle:
        live = sorted({row["pcd"].strip() for row in csv.DictReader(handle)})
    click.echo(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {runs} runs each")
    rng = random.Random(7)
    failed = []
    for n in sorted(int(s) for s in sizes.split(",") if s.strip()):
        csv_path, db_path = out / f"assets-{n}.csv", out / f"search-{n}.db"
        write_assets(csv_path, n, live)
        db_path.unlink(missing_ok=True)
        build(area, db_path, assets_csv=csv_path)
        db = store.connect(db_path, readonly=True)
        origins = [from_postcode(db, pc, area) for pc in rng.sample(live, runs)]
        start = time.perf_counter()
        search(db, Query(), NOW)  # builds the index, once per version of the data
        index_s = time.perf_counter() - start
        cases = {
            "near postcode, 1 km": (lambda o: Query(origin=o, radius_m=1000), origins),
            "near postcode, any distance": (lambda o: Query(origin=o), origins),
            "keyword": (lambda i: Query(q=f"asset {i}"), [rng.randrange(n) for _ in range(runs)]),
            "day filter (Thu) near, 1 km": (lambda o: Query(origin=o, radius_m=1000, day=3), origins),
            "day filter (Thu), anywhere": (lambda _: Query(day=3), range(runs)),
        }
        click.echo(f"\n{n:,} listings (index built in {index_s * 1000:.0f} ms)")
        click.echo(f"{'search':<30} {'p50 ms':>8} {'p95 ms':>8} {'base p50':>9} {'base p95':>9} {'p95 x':>7}")
        for label, (make, arguments) in cases.items():
            queries = [make(a) for a in arguments]
            # Same answers first: the index must not change what a resident sees.
            for query in queries[:5]:
                assert first_page(search(db, query, NOW)) == first_page(full_scan_search(db, query, NOW)), label
            new = percentiles(timed(lambda q, db=db: first_page(search(db, q, NOW)), queries))
            old = percentiles(timed(lambda q, db=db: first_page(full_scan_search(db, q, NOW)), queries))
            click.echo(f"{label:<30} {new[0]:>8.1f} {new[1]:>8.1f} {old[0]:>9.1f} {old[1]:>9.1f} {old[1] / new[1]:>7.1f}")
            if label.startswith("near postcode"):
                if n in FLOORS and new[1] > FLOORS[n]:
                    failed.append(f"{label} at {n:,}: p95 {new[1]:.1f} ms > {FLOORS[n]} ms")
                if n >= 100_000 and old[1] / new[1] < 10:
                    failed.append(f"{label} at {n:,}: only {old[1] / new[1]:.1f}x the baseline")
        app = create_app({"TESTING": True, "DATABASE": str(db_path), "TILE_URL": ""})
        client = app.test_client()
        postcodes = rng.sample(live, runs)
        for label, make in (("API, near, 1 km", lambda pc: f"/api/assets?near={pc}&radius=1000"),
                            ("API, near, any distance", lambda pc: f"/api/assets?near={pc}"),
                            ("map data, first view", lambda pc: f"/api/assets.geojson?near={pc}&bbox=-1.22,52.58,-1.05,52.69&zoom=12"),
                            ("map data, street view", lambda pc: f"/api/assets.geojson?near={pc}&bbox=-1.14,52.63,-1.12,52.64&zoom=17")):
            urls = [make(pc) for pc in postcodes]
            statuses = set()
            times = timed(lambda url, seen=statuses, c=client: seen.add(c.get(url, headers={"Accept-Encoding": "gzip"}).status_code), urls)
            p50, p95 = percentiles(times)
            click.echo(f"{label:<30} {p50:>8.1f} {p95:>8.1f}   (HTTP {sorted(statuses)}, Flask test client)")
            if statuses != {200}:
                failed.append(f"{label} at {n:,}: HTTP {sorted(statuses)}")
        # What a phone downloads for the first map view (the map fits the wards at zoom 11 to 12),
        # gzipped as the server sends it; the static files are cached and the same at any size.
        gzip = {"Accept-Encoding": "gzip"}
        page = client.get("/map", headers=gzip)
        first = client.get(f"/api/assets.geojson?bbox={FIRST_VIEW}&zoom=11", headers=gzip)
        wards = client.get("/api/wards.geojson", headers=gzip)
        sizes = [len(r.get_data()) for r in (page, first, wards)]
        click.echo(f"first map view, gzipped: page {sizes[0]:,} + data {sizes[1]:,} + wards {sizes[2]:,} "
                   f"= {sum(sizes):,} bytes")
        if sum(sizes) >= 300_000:
            failed.append(f"first map view at {n:,}: {sum(sizes):,} bytes gzipped, over 300 KB")
    if failed:
        raise click.ClickException("; ".join(failed))


if __name__ == "__main__":
    main()
