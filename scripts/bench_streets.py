#!/usr/bin/env python3
"""Time walk planning on a city-size street network: walking metres between 60 stops, their order, their lines.

The network is SYNTHETIC unless --osm names a real extract: a jittered grid of streets the size of
Leicester's walkable network (about 40-60 thousand nodes; the default 224 x 224 grid is 50,176),
with some streets cut short (dead ends), a river crossed only by every eighth street, diagonal
footway shortcuts, and main roads every fifth street, written as an OpenStreetMap XML file. It is
built once into a graph by app.walks.streets.build_network (timed on its own: that is the
`assetmap streets` step, not a request), then each run plans a walk round new random stops:

  metres(): the n x n walking metres (Dijkstra from each stop),
  order: python-tsp's Lin-Kernighan over that matrix,
  lines: path() for every leg, as the walk sheet and GPX draw them.

Prints each part's p50/p95 over the runs and the machine; exits 1 if a plan's p95 is over the
floor (3 s for 60 stops, issue 11). "plan CPU" is the processor time the plan itself used:
on a shared, busy machine the wall-clock figures are longer.

\b
Example:
    python scripts/bench_streets.py --runs 10
    python scripts/bench_streets.py --osm leicester.osm.pbf --runs 10
"""
from __future__ import annotations

import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from python_tsp.heuristics import solve_tsp_lin_kernighan  # noqa: E402

from app.places.geocode import bng_to_wgs84  # noqa: E402
from app.walks.streets import StreetNetwork, build_network  # noqa: E402

FLOOR_SECONDS = 3.0
SOUTH_WEST = (452_000.0, 297_500.0)  # British National Grid, the south-west of Leicester
SPACING = 60.0                        # metres between junctions


def write_synthetic_city(path: Path, side: int, seed: int) -> int:
    """Write a jittered side x side street grid as OSM XML; return its number of junctions."""
    rng = random.Random(seed)
    e0, n0 = SOUTH_WEST
    jitter = np.array([[rng.uniform(-12, 12) for _ in range(2)] for _ in range(side * side)])
    ids = np.arange(side * side)
    cols, rows = ids % side, ids // side
    eastings = e0 + cols * SPACING + jitter[:, 0]
    northings = n0 + rows * SPACING + jitter[:, 1]
    lats, lons = bng_to_wgs84(eastings, northings)
    river = side // 2  # between row river-1 and row river

    def node(c, r):
        return r * side + c + 1  # OSM ids start at 1

    ways: list[tuple[list[int], str]] = []
    for r in range(side):              # east-west streets, cut into runs where a block is missing
        run = [node(0, r)]
        for c in range(1, side):
            if rng.random() < 0.12:
                if len(run) > 1:
                    ways.append((run, "secondary" if r % 5 == 0 else "residential"))
                run = [node(c, r)]
            else:
                run.append(node(c, r))
        if len(run) > 1:
            ways.append((run, "secondary" if r % 5 == 0 else "residential"))
    for c in range(side):              # north-south streets; only every eighth bridges the river
        run = [node(c, 0)]
        for r in range(1, side):
            cut = (r == river and c % 8) or rng.random() < 0.12
            if cut:
                if len(run) > 1:
                    ways.append((run, "secondary" if c % 5 == 0 else "residential"))
                run = [node(c, r)]
            else:
                run.append(node(c, r))
        if len(run) > 1:
            ways.append((run, "secondary" if c % 5 == 0 else "residential"))
    for r in range(side - 1):          # footway shortcuts across one block in twenty
        for c in range(side - 1):
            if r + 1 != river and rng.random() < 0.05:
                ways.append(([node(c, r), node(c + 1, r + 1)], "footway"))
    with open(path, "w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"bench_streets (synthetic)\">\n")
        for i, (lat, lon) in enumerate(zip(lats, lons)):
            out.write(f'<node id="{i + 1}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for w, (refs, highway) in enumerate(ways):
            out.write(f'<way id="{w + 1}" version="1">')
            out.write("".join(f'<nd ref="{r}"/>' for r in refs))
            out.write(f'<tag k="highway" v="{highway}"/></way>\n')
        out.write("</osm>\n")
    return side * side


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


@click.command()
@click.option("--side", default=224, show_default=True, help="Junctions along each side of the synthetic grid.")
@click.option("--osm", "osm_path", type=click.Path(exists=True, dir_okay=False),
              help="A real extract (.osm.pbf/.osm) instead of the synthetic city.")
@click.option("--stops", default=60, show_default=True, help="Stops in each plan.")
@click.option("--runs", default=10, show_default=True, help="Plans timed, each round new random stops.")
@click.option("--seed", default=11, show_default=True)
def main(side, osm_path, stops, runs, seed):
    """Time walk planning (metres, order, lines) for STOPS stops on a city-size street network."""
    with tempfile.TemporaryDirectory(prefix="bench-streets-") as tmp:
        tmp = Path(tmp)
        if osm_path:
            source = Path(osm_path)
            click.echo(f"Street network: the real extract {source}")
        else:
            source = tmp / "synthetic-city.osm"
            started = time.perf_counter()
            junctions = write_synthetic_city(source, side, seed)
            click.echo(f"Street network: SYNTHETIC, a jittered {side} x {side} grid ({junctions} junctions, "
                       f"{SPACING:.0f} m apart) written as OSM XML in {time.perf_counter() - started:.1f} s; "
                       "not real streets")
        started = time.perf_counter()
        report = build_network(source, tmp / "streets.npz")
        build_s = time.perf_counter() - started
        for line in report.lines()[:2]:
            click.echo(line)
        click.echo(f"Build (once, `assetmap streets`): {build_s:.2f} s, graph file "
                   f"{report.out_path.stat().st_size / 1e6:.1f} MB")

        network = StreetNetwork(report.out_path)
        started = time.perf_counter()
        graph = network.graph
        click.echo(f"First load of the graph (once per process): {time.perf_counter() - started:.2f} s")

        rng = np.random.default_rng(seed)
        low = np.array([graph.eastings.min(), graph.northings.min()])
        high = np.array([graph.eastings.max(), graph.northings.max()])
        timings: dict[str, list[float]] = {"metres": [], "order": [], "lines": [], "plan": [], "plan CPU": []}
        for _ in range(runs):
            points = [tuple(p) for p in rng.uniform(low, high, size=(stops, 2))]
            c0, t0 = time.process_time(), time.perf_counter()
            matrix = network.metres(points)
            t1 = time.perf_counter()
            order, _ = solve_tsp_lin_kernighan(matrix)
            t2 = time.perf_counter()
            legs = [network.path(points[a], points[b]) for a, b in zip(order, order[1:])]
            t3, c3 = time.perf_counter(), time.process_time()
            assert np.isfinite(matrix).all() and len(legs) == stops - 1
            for name, seconds in (("metres", t1 - t0), ("order", t2 - t1), ("lines", t3 - t2), ("plan", t3 - t0),
                                  ("plan CPU", c3 - c0)):
                timings[name].append(seconds)

        click.echo(f"{platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
                   f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f}; "
                   f"{runs} plans of {stops} stops anywhere in the city, new stops each run")
        for name, values in timings.items():
            click.echo(f"  {name:8s} p50 {percentile(values, 50):.3f} s   p95 {percentile(values, 95):.3f} s")
        p95 = percentile(timings["plan"], 95)
        verdict = "within" if p95 < FLOOR_SECONDS else "OVER"
        click.echo(f"Plan p95 {p95:.2f} s: {verdict} the {FLOOR_SECONDS:.0f} s floor")
        sys.exit(0 if p95 < FLOOR_SECONDS else 1)


if __name__ == "__main__":
    main()
