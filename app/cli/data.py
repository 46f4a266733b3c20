"""`assetmap build`, `serve`, `migrate`, `geocode` and `wards`: making, upgrading and serving the database."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from app.assets.record import CATEGORIES, CsvFileError
from app.cli import _area, _default_db, cli
from app.places.geocode import InvalidPostcode, PostcodeDirectory, bng_to_wgs84, normalise_postcode
from app.places.wards import WardFileError, assign_wards, load_wards


def _refuse_to_wipe(db_path: Path, fresh: bool) -> None:
    """Stop a build over a live database (exit 2) unless fresh; with fresh, keep a copy first."""
    from app import store

    if not store.has_live_data(db_path):
        return
    if not fresh:
        click.echo(f"Error: {db_path} has accounts, web edits, traders or residents' suggestions, which a build "
                   "would wipe. Nothing was built. To replace it anyway (a copy is kept), run again with --fresh.",
                   err=True)
        sys.exit(2)
    copy = store.backup(db_path, db_path.with_name(db_path.stem + "-before-fresh-build.db"))
    click.echo(f"Kept a copy of the live database at {copy}")


@cli.command()
@click.option("--assets", "assets_csv", type=click.Path(dir_okay=False), help="Asset CSV (default: data/assets.csv).")
@click.option("--wards", "wards_dir", type=click.Path(file_okay=False), help="Ward folder (default: data/wards/).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database to write (default: instance/assetmap.db).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False),
              help="Where rejected rows go (default: beside the database).")
@click.option("--fresh", is_flag=True,
              help="Replace a live database that has accounts or edits (a copy is kept beside it first).")
@click.pass_context
def build(ctx, assets_csv, wards_dir, db_path, rejects_path, fresh):
    """Build the database from the asset CSV and ward boundaries, and report on every row.

    A build makes a fresh site. Once connectors have accounts or have edited listings on the
    web, the live database is the truth and a build refuses to replace it unless --fresh.

    Exits 1 when any row was rejected (the rest are still imported) and 2 when an input could
    not be read at all, or a live database would be replaced (then it is left as it was).
    """
    from app.assets.pipeline import build as run_build

    area = _area(ctx)
    db_path = Path(db_path or _default_db())
    _refuse_to_wipe(db_path, fresh)
    try:
        report = run_build(area, db_path, assets_csv, wards_dir, rejects_path)
    except (CsvFileError, WardFileError) as exc:
        click.echo(f"Error: {exc}", err=True)
        click.echo("Nothing was built; the existing database is unchanged.", err=True)
        sys.exit(2)
    for line in report.lines():
        click.echo(line)
    click.echo(f"Wrote {db_path}")
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("postcode")
@click.pass_context
def geocode(ctx, postcode):
    """Print where a postcode is (lat, lon, easting, northing) and its ward."""
    area = _area(ctx)
    try:
        normal = normalise_postcode(postcode)
    except InvalidPostcode as exc:
        raise click.ClickException(str(exc)) from None
    hit = PostcodeDirectory().lookup(normal)
    if hit is None:
        raise click.ClickException(f"{normal} is not in the ONS Postcode Directory")
    if hit.easting != hit.easting:  # NaN
        raise click.ClickException(f"{normal} is in the ONS Postcode Directory but has no location")
    lat, lon = (float(v[0]) for v in bng_to_wgs84([hit.easting], [hit.northing]))
    wards = load_wards(area.wards_dir)
    placed = assign_wards(wards, [hit.easting], [hit.northing])
    names = dict(zip(wards["ward_code"], wards["ward_name"]))
    click.echo(f"postcode:  {normal}")
    click.echo(f"lat, lon:  {lat:.6f}, {lon:.6f}")
    click.echo(f"easting, northing: {hit.easting:.0f}, {hit.northing:.0f} (EPSG:27700)")
    if placed.outside[0]:
        code = placed.nearest_code[0]
        click.echo(f"ward:      outside {area.name} ({placed.nearest_distance_m[0] / 1000:.1f} km from {names[code]}, {code})")
    else:
        code = placed.ward_code[0]
        click.echo(f"ward:      {names[code]} ({code})")


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database to read (default: instance/assetmap.db).")
def wards(db_path):
    """List the wards with how many assets each has, by category."""
    from app import store
    from app.assets.search import list_wards

    try:
        db = store.connect(db_path or _default_db(), readonly=True)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    rows = list_wards(db)
    short = list(CATEGORIES)
    name_width = max(len(w["ward_name"]) for w in rows) + 2
    click.echo("ward".ljust(name_width) + "total  " + "  ".join(short))
    for ward in rows:
        counts = "  ".join(str(ward["counts"].get(c, 0)).rjust(len(c)) for c in short)
        mark = "*" if ward["is_focus"] else " "
        click.echo(f"{(ward['ward_name'] + mark).ljust(name_width)}{str(ward['total']).rjust(5)}  {counts}")
    click.echo("* focus ward")
    unplaced = db.execute("select count(*) from assets where ward_code is null").fetchone()[0]
    if unplaced:
        click.echo(f"{unplaced} assets are outside every ward")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes (default: one per CPU). Each answers several requests at once.")
@click.option("--rebuild", is_flag=True, help="Rebuild the database from the CSV before serving.")
@click.option("--fresh", is_flag=True,
              help="With --rebuild: replace a live database that has accounts or edits (a copy is kept first).")
@click.pass_context
def serve(ctx, host, port, workers, rebuild, fresh):
    """Serve the site, building the database from the bundled data first if there is none.

    --rebuild refuses, as `build` does, to replace a live database unless --fresh.
    """
    from app import create_app
    from app.assets.pipeline import build as run_build

    app = create_app(area_file=ctx.obj.get("area_file"))
    db_path = Path(app.config["DATABASE"])
    if rebuild or not db_path.exists():
        _refuse_to_wipe(db_path, fresh)
        click.echo(f"Building {db_path} from {app.config['AREA'].assets_csv} ...")
        try:
            report = run_build(app.config["AREA"], db_path)
        except (CsvFileError, WardFileError) as exc:
            raise click.ClickException(str(exc)) from None
        for line in report.lines():
            click.echo(line)
    from app.web import server

    workers = workers or server.default_workers()
    click.echo(f"Serving on http://{host}:{port}/ with {workers} worker processes (Ctrl+C to stop)")
    server.serve(app, host=host, port=port, workers=workers)


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def migrate(db_path):
    """Bring the database's schema up to date, keeping everything in it (also done on every start).

    Refuses a database made by a newer release, changing nothing.
    """
    from app import store

    db_path = Path(db_path or _default_db())
    try:
        before, after = store.migrate(db_path)
    except (FileNotFoundError, store.DatabaseTooNew) as exc:
        raise click.ClickException(str(exc)) from None
    if before == after:
        click.echo(f"{db_path} is up to date (schema version {after}).")
    else:
        click.echo(f"Upgraded {db_path} from version {before} to {after}.")
