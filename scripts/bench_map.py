#!/usr/bin/env python3
"""Time the /map page against a naive one-folium.Marker-per-asset map, in headless Chromium.

For each N: build N assets at real live Leicester postcodes (seeded, as bench_build.py does),
serve them on 127.0.0.1, and measure ours and the baseline: server time (ours: /map plus
the map data of its first view, accepting gzip; baseline: folium's render), bytes (raw, and gzipped: by
the server where it does, else level 6 here) and time from navigation start until every point
is drawn, in a fresh (cold-cache) browser context. Best of --repeat, after a warm-up.

\b
Example:
    python scripts/bench_map.py --sizes 1000,10000 --repeat 3
"""
from __future__ import annotations

import csv
import gzip
import logging
import os
import platform
import re
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
import folium
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import best_of, write_assets  # noqa: E402

from app import create_app  # noqa: E402
from app.assets import index  # noqa: E402
from app.assets.pipeline import build  # noqa: E402
from app.config import load_area  # noqa: E402
from app.web import searches  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# The sandbox has no network: fail other hosts' look-ups at once instead of waiting on DNS.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
TIMEOUT_MS = 120_000


# folium's popups call jQuery's $(...); the xstatic-jquery package stands in for its CDN copy.
def _jquery() -> Path:
    """folium's popups need jQuery; take it from the xstatic-jquery package (pip install '.[bench]')."""
    try:
        import xstatic.pkg.jquery
    except ImportError:
        raise click.ClickException("the baseline needs jQuery: pip install -e '.[bench]'") from None
    return Path(xstatic.pkg.jquery.BASE_DIR) / "jquery.min.js"


# All points handed to the clusterer (chunked loading may finish after data-state=ready).
CLUSTERED = """() => { const m = document.querySelector('.folium-map');
  return window.assetMapVisible && window.assetMapVisible() === Number(m.dataset.points)
      && document.querySelector('.leaflet-marker-icon') !== null; }"""


def with_extra_files(app, files: dict):
    """Serve a few fixed bodies (the baseline page, jQuery) in front of the Flask app."""
    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") not in files:
            return app(environ, start_response)
        body, content_type = files[environ["PATH_INFO"]]
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
    return wsgi


def get(client, url: str):
    """Fetch url as a browser would, accepting gzip; return the response with its body read."""
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, (url, response.status_code)
    response.get_data()  # a streamed body is produced here, inside the timing
    return response


def gzipped(item) -> bool:
    return not isinstance(item, bytes) and item.headers.get("Content-Encoding") == "gzip"


def body(item) -> bytes:
    """Return the uncompressed body of a response (bytes pass through)."""
    data = item if isinstance(item, bytes) else item.get_data()
    return gzip.decompress(data) if gzipped(item) else data


def sizes_of(*items) -> tuple[int, int]:
    """Sum raw and gzip sizes: the server's own gzip where it sent one, else level 6 done here."""
    raw = [body(item) for item in items]
    packed = [len(item.get_data()) if gzipped(item) else len(gzip.compress(plain, compresslevel=6))
              for item, plain in zip(items, raw)]
    return sum(map(len, raw)), sum(packed)


def baseline_html(area, rows) -> tuple[float, str]:
    """Build the naive map; return its render time in seconds and its HTML."""
    fmap = folium.Map(location=list(area.map_centre), zoom_start=area.map_zoom)
    for name, lat, lon in rows:
        folium.Marker([lat, lon], popup=name, tooltip=name).add_to(fmap)
    start = time.perf_counter()
    html = fmap.get_root().render()
    return time.perf_counter() - start, html


def localise(html: str) -> str:
    """Point folium's CDN Leaflet and jQuery at local copies; drop the CDN files plain markers do not use."""
    cdn = dict(folium.Map.default_js) | dict(folium.Map.default_css)
    html = html.replace(cdn["leaflet"], "/vendor/leaflet/leaflet.js")
    html = html.replace(cdn["leaflet_css"], "/vendor/leaflet/leaflet.css")
    html = html.replace(cdn["jquery"], "/baseline/jquery.min.js")
    html = re.sub(r'<script src="https://[^"]+"></script>\s*', "", html)
    return re.sub(r'<link rel="stylesheet" href="https://[^"]+"/>\s*', "", html)


def open_page(browser):
    """Open a page in a new context, whose cache starts empty; collect its script errors."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    return context, page, errors


def time_ours(browser, url: str, located: int) -> tuple[float, float, list[str]]:
    """Return seconds from navigation start to data-state=ready, to every point clustered, and the map data URLs asked for."""
    context, page, errors = open_page(browser)
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/assets.geojson" in r.url else None)
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".folium-map[data-state=ready], .folium-map[data-state=error]", timeout=TIMEOUT_MS)
    ready = time.perf_counter() - start
    assert page.get_attribute(".folium-map", "data-state") == "ready", errors
    page.wait_for_function(CLUSTERED, timeout=TIMEOUT_MS)
    drawn = time.perf_counter() - start
    points = int(page.get_attribute(".folium-map", "data-points"))
    context.close()
    assert points == located and not errors, (points, located, errors)
    return ready, drawn, asked


def time_baseline(browser, url: str, located: int) -> float:
    """Return seconds from navigation start until every marker icon is in the page."""
    context, page, errors = open_page(browser)
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function("n => document.querySelectorAll('.leaflet-marker-icon').length === n",
                           arg=located, timeout=TIMEOUT_MS)
    drawn = time.perf_counter() - start
    context.close()
    assert not errors, errors
    return drawn


def measure(n, area, out, live, browser, repeat) -> dict:
    """Build N assets, serve them, and measure our map and the baseline."""
    csv_path, db_path = out / f"assets-{n}.csv", out / f"map-{n}.sqlite"
    write_assets(csv_path, n, live)
    db_path.unlink(missing_ok=True)
    report = build(area, db_path, assets_csv=csv_path)
    assert report.rejected == 0, report.lines()
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("select name, lat, lon from assets where lat is not null and lon is not null "
                            "order by rowid").fetchall()
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "TILE_URL": ""})
    extra = {}  # filled once the baseline page is rendered
    server = make_server("127.0.0.1", 0, with_extra_files(app, extra), threaded=True)  # port 0: any free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        client = app.test_client()
        # The data the map's first view asks for: everything for a small map, one view's points
        # (clustered by the server) for a large one. Learnt from the browser, as a resident's would ask.
        asked = time_ours(browser, base + "/map", len(rows))[2]
        data_url = asked[0][len(base):]
        get(client, "/map"), get(client, data_url)  # warm-up: templates, first connection
        page_s, page = best_of(repeat, lambda: get(client, "/map"))
        data_s, data = best_of(repeat, lambda: get(client, data_url))
        # Cold: the first page and data requests after a rebuild, before the app keeps anything.
        colds = []
        for _ in range(repeat):
            app.extensions["page_cache"].clear()  # answers kept whole (app/web/page_cache.py)
            searches._SEARCHES.clear()
            index._INDEXES.clear()  # a rebuild is new data: the search index is built again too
            start = time.perf_counter()
            get(client, "/map")
            middle = time.perf_counter()
            get(client, data_url)
            colds.append((middle - start, time.perf_counter() - middle))
        cold_page_s, cold_s = min(colds, key=sum)
        statics = re.findall(r'(?:src|href)="(/(?:static|vendor)/[^"?]+)', body(page).decode())
        server_gzip = [name for name, r in (("page", page), ("data", data)) if gzipped(r)] or ["nothing"]
        static = sizes_of(*(get(client, url) for url in statics))
        wards = sizes_of(get(client, "/api/wards.geojson"))

        baseline_html(area, rows[:10])  # warm-up: folium's templates
        renders = [baseline_html(area, rows) for _ in range(repeat)]
        base_s, html = min(renders)[0], renders[-1][1]
        served = localise(html).encode()
        (out / f"baseline-{n}.html").write_bytes(served)
        extra["/baseline.html"] = (served, "text/html; charset=utf-8")
        jquery = _jquery().read_bytes()
        extra["/baseline/jquery.min.js"] = (jquery, "text/javascript")
        base_static = sizes_of(get(client, "/vendor/leaflet/leaflet.js"), get(client, "/vendor/leaflet/leaflet.css"),
                               jquery)

        ours = [time_ours(browser, base + "/map", len(rows))[:2] for _ in range(repeat)]
        base_drawn = min(time_baseline(browser, base + "/baseline.html", len(rows)) for _ in range(repeat))
    finally:
        server.shutdown()
    return {"n": n, "located": len(rows), "data_url": data_url, "page_s": page_s, "data_s": data_s, "server_s": page_s + data_s,
            "cold_s": cold_page_s + cold_s, "page_cold_s": cold_page_s, "data_cold_s": cold_s,
            "base_s": base_s, "page": sizes_of(page), "data": sizes_of(data), "ours": sizes_of(page, data),
            "base": sizes_of(served), "static": static, "statics": len(statics), "wards": wards,
            "base_static": base_static, "ready_s": min(r for r, _ in ours),
            "drawn_s": min(d for _, d in ours), "base_drawn_s": base_drawn, "server_gzip": server_gzip}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def show(r: dict) -> None:
    server_s = r["server_s"]
    click.echo(f"\nN = {r['n']:,} ({r['located']:,} located; the server gzipped {' and '.join(r['server_gzip'])})")
    click.echo(f"  map data of the first view: {r['data_url']}")
    click.echo(f"  {'':<22}{'ours':>44}{'baseline':>14}{'base/ours':>11}")
    server = f"page {ms(r['page_s'])} + data {ms(r['data_s'])} = {ms(server_s)}"
    click.echo(f"  {'server ms (warm)':<22}{server:>44}{ms(r['base_s']):>14}{r['base_s'] / server_s:>10.1f}x")
    cold = f"page {ms(r['page_cold_s'])} + data {ms(r['data_cold_s'])} = {ms(r['cold_s'])}"
    click.echo(f"  {'server ms (cold)':<22}{cold:>44}{ms(r['base_s']):>14}{r['base_s'] / r['cold_s']:>10.1f}x")
    for i, label in enumerate(("bytes raw", "bytes gzip")):
        ours = f"page {r['page'][i]:,} + data {r['data'][i]:,} = {r['ours'][i]:,}"
        click.echo(f"  {label:<22}{ours:>44}{r['base'][i]:>14,}{r['base'][i] / r['ours'][i]:>10.1f}x")
    drawn = f"ready {ms(r['ready_s'])}, all clustered {ms(r['drawn_s'])}"
    click.echo(f"  {'points drawn ms':<22}{drawn:>44}{ms(r['base_drawn_s']):>14}"
               f"{r['base_drawn_s'] / r['drawn_s']:>10.1f}x")
    click.echo(f"  bytes as each is served by default (baseline raw / ours gzip): "
               f"{r['base'][0]:,} / {r['ours'][1]:,} = {r['base'][0] / r['ours'][1]:.1f}x")
    click.echo(f"  static assets (cacheable): ours {r['static'][0]:,} raw / {r['static'][1]:,} gzip in "
               f"{r['statics']} files; baseline (leaflet.js/.css, jquery) {r['base_static'][0]:,} / {r['base_static'][1]:,}")
    click.echo(f"  /api/wards.geojson (also fetched by our map, cacheable 1 h): {r['wards'][0]:,} raw / "
               f"{r['wards'][1]:,} gzip")


def goals(r: dict) -> None:
    server_s = r["server_s"]
    checks = [
        (f"server total < 100 ms, warm ({server_s * 1000:,.1f} ms)", server_s < 0.1),
        (f"server total < 100 ms, cold ({r['cold_s'] * 1000:,.1f} ms)", r["cold_s"] < 0.1),
        (f"ours page+data gzip < 1 MB ({r['ours'][1]:,} bytes)", r["ours"][1] < 1_000_000),
        (f"points drawn < 2 s (all clustered {r['drawn_s']:.2f} s; ready {r['ready_s']:.2f} s)", r["drawn_s"] < 2),
        (f">= 20x baseline server time, cold ({r['base_s'] / r['cold_s']:.1f}x; warm "
         f"{r['base_s'] / server_s:.1f}x)", r["base_s"] / r["cold_s"] >= 20),
        # The baseline is folium's page as it writes it (~10 MB); ours is what this app
        # sends. Compared in the same encoding the gap is far smaller, and we print that too.
        (f">= 20x smaller than the baseline, both gzipped ({r['base'][1] / r['ours'][1]:.1f}x)",
         r["base"][1] / r["ours"][1] >= 20),
        (f">= 20x baseline bytes as each is sent ({r['base'][0] / r['ours'][1]:.1f}x); same encoding "
         f"both sides: gzip {r['base'][1] / r['ours'][1]:.1f}x, raw {r['base'][0] / r['ours'][0]:.1f}x (not 20x)",
         r["base"][0] / r["ours"][1] >= 20),
    ]
    click.echo(f"\nGoals at N = {r['n']:,}:")
    for text, met in checks:
        click.echo(f"  [{'met' if met else 'MISSED'}] {text}")


@click.command(help=__doc__)
@click.option("--sizes", default="1000,10000", show_default=True, help="Comma-separated asset counts.")
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(min=1),
              help="Runs per measurement; the fastest is reported.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Folder for the CSVs, databases and baseline pages (default: a new temporary folder).")
def main(sizes, repeat, out_dir):
    sizes = sorted(int(s) for s in sizes.split(",") if s.strip())
    _jquery()  # fail before any work if the baseline cannot run
    out = Path(out_dir or tempfile.mkdtemp(prefix="bench-map-"))
    out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the output
    os.environ["ASSETMAP_INSTANCE"] = str(out / "instance")  # keep create_app out of the project folder
    area = load_area()
    with open(area.live_postcodes, encoding="utf-8", newline="") as handle:
        live = sorted({row["pcd"].strip() for row in csv.DictReader(handle)})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        click.echo(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                   f"Chromium {browser.version}")
        click.echo(f"files in {out}; best of {repeat}; gzip sizes are the server's own where it compressed, "
                   "else level 6 computed here")
        results = [measure(n, area, out, live, browser, repeat) for n in sizes]
        browser.close()
    for r in results:
        show(r)
    for r in (r for r in results if r["n"] == 10_000):  # the goals are set for ten thousand
        goals(r)


if __name__ == "__main__":
    main()
