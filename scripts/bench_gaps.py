#!/usr/bin/env python3
"""Time "Where are the gaps?" for the whole city, all categories, from scratch, several times.

Three timings, each repeated --repeat times (p50 and p95 printed):
  per data version: what the site does after the listings change: read the listings index from
      the database, one KD-tree query per category (and any activity) for every live postcode, and
      the per-LSOA and per-ward sums at the default threshold. Must stay under 2 s.
  cold: the same plus reading the LSOA and deprivation files and the ONS postcode directory and
      placing the postcodes in LSOAs (done once per process).
  with N extra listings: per data version again with --extra random listing points added in the city
      (the real data has few listings with a pin), to show how it grows.
Exits non-zero if the per-data-version p95 is 2 s or more.

\b
Example:
    python scripts/bench_gaps.py --repeat 7 --extra 20000
"""
from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FLOOR_SECONDS = 2.0


def _percentiles(times: list[float]) -> str:
    return f"p50 {np.percentile(times, 50) * 1000:7.1f} ms   p95 {np.percentile(times, 95) * 1000:7.1f} ms"


@click.command()
@click.option("--repeat", default=7, show_default=True, help="Runs of each timing.")
@click.option("--extra", default=20000, show_default=True, help="Random extra listings for the last timing.")
def main(repeat: int, extra: int) -> None:
    from app import store
    from app.assets import index as index_module
    from app.assets.pipeline import build
    from app.config import load_area
    from app.gaps import areas, measure
    from app.places import geocode

    area = load_area()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        build(area, db_path)
        db = store.connect(db_path)

        def per_version():
            index = index_module.build_index(db)  # as asset_index does when the data version changes
            places = areas.neighbourhoods(area)
            listings = measure.listings_from_index(index)
            minutes = measure.postcode_minutes(places, listings)
            return measure.summarise(places, listings, minutes, area.gaps, area.gaps.minutes)

        def cold():
            areas._load.cache_clear()
            geocode.area_postcodes.cache_clear()
            return per_version()

        timings = {}
        for name, run in (("cold", cold), ("per data version", per_version)):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                found = run()
                times.append(time.perf_counter() - start)
            timings[name] = times
        places = areas.neighbourhoods(area)
        real = measure.listings_from_index(index_module.build_index(db))
        rng = np.random.default_rng(15)
        picks = rng.integers(0, len(places.easting), extra)
        categories = np.array(list(measure.MEASURES[1:]), dtype=object)[rng.integers(0, len(measure.MEASURES) - 1, extra)]
        more = measure.Listings(np.concatenate([real.easting, places.easting[picks] + rng.normal(0, 150, extra)]),
                                np.concatenate([real.northing, places.northing[picks] + rng.normal(0, 150, extra)]),
                                real.category + tuple(categories), real.not_on_map)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            minutes = measure.postcode_minutes(places, more)
            measure.summarise(places, more, minutes, area.gaps, area.gaps.minutes)
            times.append(time.perf_counter() - start)
        timings[f"with {extra:,} extra listings (KD-tree + sums)"] = times
        db.conn.close()

    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}")
    print(f"City: {len(found.lsoas)} LSOAs, {len(places.postcodes):,} postcodes, {len(real.category)} listings with a "
          f"pin, {len(measure.MEASURES)} measures (any activity and {len(measure.MEASURES) - 1} categories)")
    for name, times in timings.items():
        print(f"{name:48} {_percentiles(times)}   ({repeat} runs)")
    p95 = np.percentile(timings["per data version"], 95)
    if p95 >= FLOOR_SECONDS:
        print(f"TOO SLOW: per data version p95 {p95:.2f} s is not under {FLOOR_SECONDS} s")
        sys.exit(1)


if __name__ == "__main__":
    main()
