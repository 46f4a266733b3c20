#!/usr/bin/env python3
"""Load-test `assetmap serve` on 127.0.0.1: simulated residents for a fixed time, then stop.

Builds a database of N listings at real live Leicester postcodes (as bench_search.py does),
starts `assetmap serve` (gunicorn, a worker per CPU) on a free local port, and runs --users residents at once,
each asking, one after another with no pause, for a mix of home-page searches, map data,
listing pages and the API, for --seconds. Prints requests per second, p50/p95/p99 and errors;
stops the server it started. Exits 1 if any request failed or p95 is over --p95-ms. With
--baseline DIR it first does the same against another checkout (its own build, its own server).

\b
Example:
    python scripts/load.py --listings 10000 --users 50 --seconds 60
    git worktree add --detach ../baseline 51f30d4
    python scripts/load.py --baseline ../baseline
"""
from __future__ import annotations

import csv
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import write_assets

from app.config import load_area

HOST = "127.0.0.1"  # never anything else: this is a load on our own machine only


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/wards", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise click.ClickException(f"the server did not answer on {base} within {seconds:.0f} s")


def resident_mix(rng: random.Random, postcodes: list[str], ids: list[str]) -> tuple[str, str]:
    """Return (kind, path) of one request a resident might make."""
    pc = rng.choice(postcodes).replace(" ", "+")
    roll = rng.random()
    if roll < 0.35:
        radius = rng.choice(["", "&radius=1000", "&radius=2000"])
        day = rng.choice(["", "", "&day=thu"])
        return "home search", f"/?postcode={pc}{radius}{day}"
    if roll < 0.55:
        zoom = rng.choice([11, 12, 14, 16])
        lon, lat = rng.uniform(-1.2, -1.08), rng.uniform(52.6, 52.67)
        half = 0.6 / 2 ** (zoom - 10)
        box = f"{lon - half:.4f},{lat - half / 2:.4f},{lon + half:.4f},{lat + half / 2:.4f}"
        return "map data", f"/api/assets.geojson?near={pc}&bbox={box}&zoom={zoom}"
    if roll < 0.8:
        return "listing page", f"/assets/{rng.choice(ids)}"
    return "API", f"/api/assets?near={pc}&radius=1000&limit=20"


def resident(base, stop_at, rng, postcodes, ids, times, errors, lock):
    while time.monotonic() < stop_at:
        kind, path = resident_mix(rng, postcodes, ids)
        start = time.perf_counter()
        try:
            request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            ok = True
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            ok, error = False, f"{kind} {path}: {exc}"
        elapsed = time.perf_counter() - start
        with lock:
            times.append((kind, elapsed))
            if not ok:
                errors.append(error)


def quantiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values) * 1000, cuts[94] * 1000, cuts[98] * 1000


def run_load(checkout: Path, out: Path, csv_path: Path, live: list[str], listings: int, users: int,
             seconds: int) -> tuple[list, list, float]:
    """Build the database with the checkout's own code, serve it, and run the residents; return times, errors, wall."""
    (out / "instance").mkdir(parents=True)
    env = {**os.environ, "ASSETMAP_INSTANCE": str(out / "instance")}
    # The checkout's own app (not whichever one the `assetmap` command was installed from), and its
    # own build: an older release refuses a database made by a newer one.
    cli = [sys.executable, "-c", "from app.cli import cli; cli()"]
    subprocess.run(cli + ["build", "--assets", str(csv_path)], cwd=checkout, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up under load and then stalls
    # every request thread writing to it.
    server_log = open(out / "server.log", "wb")
    server = subprocess.Popen(cli + ["serve", "--host", HOST, "--port", str(port)], cwd=checkout, env=env,
                              stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(base)
        rng = random.Random(11)
        postcodes, ids = rng.sample(live, 500), [f"bench-{i}" for i in rng.sample(range(listings), 500)]
        for path in ("/", "/map", f"/assets/{ids[0]}"):  # warm-up: templates and the search index
            urllib.request.urlopen(base + path, timeout=60).read()
        times, errors, lock = [], [], threading.Lock()
        stop_at = time.monotonic() + seconds
        started = time.perf_counter()
        workers = [threading.Thread(target=resident, args=(base, stop_at, random.Random(i), postcodes, ids,
                                                            times, errors, lock), daemon=True) for i in range(users)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
    return times, errors, wall


def report(label: str, times: list, errors: list, wall: float) -> float:
    """Print one run's figures; return its p95 in milliseconds."""
    p50, p95, p99 = quantiles([t for _, t in times])
    click.echo(f"{label}: {len(times):,} requests, {len(times) / wall:.1f} req/s, p50 {p50:.0f} ms, "
               f"p95 {p95:.0f} ms, p99 {p99:.0f} ms, {len(errors)} errors")
    for kind in sorted({k for k, _ in times}):
        k50, k95, k99 = quantiles([t for k, t in times if k == kind])
        count = sum(1 for k, _ in times if k == kind)
        click.echo(f"  {kind:<14} {count:>7,} requests  p50 {k50:>6.0f}  p95 {k95:>6.0f}  p99 {k99:>6.0f} ms")
    for error in errors[:5]:
        click.echo(f"  error: {error}")
    return p95


@click.command(help=__doc__)
@click.option("--listings", default=10_000, show_default=True, help="Listings in the database.")
@click.option("--users", default=50, show_default=True, type=click.IntRange(1, 200), help="Residents at once.")
@click.option("--seconds", default=60, show_default=True, type=click.IntRange(5, 600), help="How long to run.")
@click.option("--p95-ms", default=250.0, show_default=True, help="Fail if p95 is over this.")
@click.option("--baseline", "baseline_checkout", type=click.Path(file_okay=False, exists=True),
              help="Another checkout (e.g. a `git worktree` of an older commit) to load the same way first.")
def main(listings, users, seconds, p95_ms, baseline_checkout):
    out = Path(tempfile.mkdtemp(prefix="load-"))
    area = load_area()
    with open(area.live_postcodes, encoding="utf-8", newline="") as handle:
        live = sorted({row["pcd"].strip() for row in csv.DictReader(handle)})
    csv_path = out / "assets.csv"
    write_assets(csv_path, listings, live)
    click.echo(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    click.echo(f"{listings:,} listings; {users} residents for {seconds} s each against assetmap serve "
               f"(a worker process per CPU) on {HOST}; logs in {out}")
    if baseline_checkout:
        report(f"baseline ({baseline_checkout})",
               *run_load(Path(baseline_checkout).resolve(), out / "baseline", csv_path, live, listings, users, seconds))
    times, errors, wall = run_load(Path(__file__).resolve().parent.parent, out / "this", csv_path, live, listings,
                                   users, seconds)
    p95 = report("this checkout", times, errors, wall)
    if errors or p95 > p95_ms:
        raise click.ClickException(f"{len(errors)} errors; p95 target {p95_ms:.0f} ms")


if __name__ == "__main__":
    main()
