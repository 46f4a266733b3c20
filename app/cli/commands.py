"""The `assetmap` command: thin click shells over the pipeline, geocoder and store."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from app.assets.record import CATEGORIES, CsvFileError
from app.config import ConfigError, load_area
from app.places.geocode import InvalidPostcode, PostcodeDirectory, bng_to_wgs84, normalise_postcode
from app.places.wards import WardFileError, assign_wards, load_wards


def _area(ctx: click.Context):
    try:
        return load_area(ctx.obj.get("area_file"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _default_db() -> Path:
    from app import create_app

    return Path(create_app().config["DATABASE"])


def _build_if_missing(area, db_path: Path) -> None:
    """Build the database from the area's data if there is none yet (a fresh install)."""
    from app.assets.pipeline import build as run_build

    if db_path.exists():
        return
    click.echo(f"Building {db_path} from {area.assets_csv} ...")
    try:
        report = run_build(area, db_path)
    except (CsvFileError, WardFileError) as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.lines():
        click.echo(line)


@click.group()
@click.option("--area", "area_file", type=click.Path(dir_okay=False), envvar="ASSETMAP_AREA",
              help="Area configuration file (default: area.toml in the project).")
@click.pass_context
def cli(ctx, area_file):
    """Community asset map: build the database, look up postcodes, serve the site."""
    ctx.ensure_object(dict)
    ctx.obj["area_file"] = area_file


def _refuse_to_wipe(db_path: Path, fresh: bool) -> None:
    """Stop a build over a live database (exit 2) unless fresh; with fresh, keep a copy first."""
    from app.store import connection as store

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


@cli.group()
def users():
    """Manage connector and admin accounts."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["connector", "admin"]), default="connector", show_default=True)
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.password_option(help="The password (asked for twice if not given; at least 10 characters).")
@click.pass_context
def users_add(ctx, name, role, db_path, password):
    """Create an account, building the database first on a fresh install. Residents never need one."""
    from app.accounts import UserError, add_user
    from app.store import connection as store

    db_path = Path(db_path or _default_db())
    _build_if_missing(_area(ctx), db_path)
    db = store.connect(db_path)
    store.ensure_live_tables(db)
    try:
        user = add_user(db, name, password, role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added {user.role} {user.name}")


@users.command("password")
@click.argument("name")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.password_option(help="The new password (asked for twice if not given).")
def users_password(name, db_path, password):
    """Give an account a new password."""
    from app.accounts import UserError, set_password
    from app.store import connection as store

    db = store.connect(db_path or _default_db())
    store.ensure_live_tables(db)
    try:
        set_password(db, name, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"New password set for {name}")


@users.command("list")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def users_list(db_path):
    """List the accounts."""
    from app.accounts import list_users
    from app.store import connection as store

    db = store.connect(db_path or _default_db())
    store.ensure_live_tables(db)
    for user in list_users(db):
        click.echo(f"{user.name}\t{user.role}")


@cli.command()
@click.option("--out", "out_path", default="data/assets.csv", show_default=True, type=click.Path(dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--include-private", is_flag=True, help="Keep private addresses (and mark them) in the file.")
@click.option("--include-hidden", is_flag=True, help="Also write hidden, closed and deleted listings (with their status).")
def export(out_path, db_path, include_private, include_hidden):
    """Write the live database back to the asset CSV format (formulas neutralised for spreadsheets).

    Private addresses are left out unless --include-private; hidden, closed and deleted listings
    are left out unless --include-hidden.
    """
    from app.assets.exchange import export_rows, left_out, write_csv
    from app.store import connection as store

    db = store.connect(db_path or _default_db(), readonly=True)
    rows = export_rows(db, include_private=include_private, include_hidden=include_hidden)
    write_csv(rows, out_path)
    click.echo(f"Wrote {len(rows)} assets to {out_path}")
    missing = {} if include_hidden else left_out(db)
    if missing:
        counts = ", ".join(f"{n} {status}" for status, n in missing.items())
        click.echo(f"Left out {sum(missing.values())} listings that residents cannot see ({counts}); "
                   "add --include-hidden to write them too.")


@cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--apply", "apply_it", is_flag=True, help="Write the changes (without it, only show what would change).")
@click.option("--overwrite-web-edits", is_flag=True, help="Also change listings edited on the web since.")
@click.pass_context
def import_(ctx, csv_file, db_path, apply_it, overwrite_web_edits):
    """Merge a connector's spreadsheet into the live database, through the same checks as a build.

    Shows what would be new, changed, unchanged and rejected (with reasons) and writes nothing,
    unless --apply. Listings edited on the web since are left alone unless --overwrite-web-edits.
    Every change goes into the listings' history. Columns the file lacks are left as they are.
    """
    from app.accounts import User
    from app.assets.exchange import ImportRefused, apply_import, plan_import
    from app.assets.record import CsvFileError
    from app.store import connection as store

    area = _area(ctx)
    db = store.connect(db_path or _default_db())
    store.ensure_live_tables(db)
    try:
        plan = plan_import(db, area, csv_file)
    except CsvFileError as exc:
        raise click.ClickException(str(exc)) from None
    for row, values, _ in plan.new:
        click.echo(f"new      row {row}: {values['id']} ({values['name']})")
    for row, change, _ in plan.changed:
        what = ", ".join(f"{f}: '{old}' -> '{new}'" for f, old, new in change.fields)
        if change.status:
            what = (what + ", " if what else "") + f"status -> {change.status}"
        flag = f"  [{change.web_edit}: {'will overwrite' if overwrite_web_edits else 'left alone'}]" if change.web_edit else ""
        click.echo(f"changed  row {row}: {change.asset_id}: {what}{flag}")
    for row, reasons in plan.rejected:
        click.echo(f"rejected {reasons}")
    click.echo(plan.summary())
    if not apply_it:
        click.echo("Nothing was written. Run again with --apply to write it.")
        return
    try:
        apply_import(db, area, User(0, "command line import", "admin"), csv_file, plan.digest, overwrite_web_edits)
    except ImportRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Written; each change is in the listings' history.")


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Backup file (default: instance/backups/assetmap-YYYYMMDD-HHMMSS.db).")
def backup(db_path, out_path):
    """Copy the live database consistently, even while the site is running."""
    from datetime import datetime

    from app.store import connection as store

    db_path = Path(db_path or _default_db())
    if not db_path.exists():
        raise click.ClickException(f"no database at {db_path}")
    if not out_path:
        folder = store.private_dir(db_path.parent / "backups")
        out_path = folder / f"{db_path.stem}-{datetime.now():%Y%m%d-%H%M%S}.db"
    target = store.backup(db_path, out_path)
    click.echo(f"Backed up {db_path} to {target}")


@cli.command()
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def restore(backup_file, db_path):
    """Replace the live database with a backup, after checking the backup is whole.

    The database being replaced is kept beside it first.
    """
    from app.store import connection as store

    db_path = Path(db_path or _default_db())
    problem = store.check_backup(backup_file)
    if problem:
        raise click.ClickException(f"{backup_file} cannot be restored: {problem}. Nothing was changed.")
    kept = store.restore(backup_file, db_path)
    if kept:
        click.echo(f"Kept the database it replaced at {kept}")
    click.echo(f"Restored {db_path} from {backup_file}")


@cli.group("traders")
def traders_group():
    """Import and export the trust-a-trader directory."""


@traders_group.command("export")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def traders_export(out_path, db_path):
    """Write the traders as CSV (formulas neutralised; recommenders' details are never exported)."""
    from app.assets.exchange import export_traders
    from app.store import connection as store

    db = store.connect(db_path or _default_db())
    store.ensure_live_tables(db)
    click.echo(f"Wrote {export_traders(db, out_path)} traders to {out_path}")


@traders_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def traders_import(csv_file, db_path):
    """Add or update traders from a CSV; new ones start pending until a connector lists them."""
    from app.accounts import User
    from app.assets.exchange import import_traders
    from app.store import connection as store

    db = store.connect(db_path or _default_db())
    store.ensure_live_tables(db)
    saved, problems = import_traders(db, User(0, "command line import", "admin"), csv_file)
    for problem in problems:
        click.echo(f"rejected {problem}")
    click.echo(f"Saved {saved} traders; rejected {len(problems)}")
    if problems:
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
    from app.assets.search import list_wards
    from app.store import connection as store

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
@click.option("--rebuild", is_flag=True, help="Rebuild the database from the CSV before serving.")
@click.option("--fresh", is_flag=True,
              help="With --rebuild: replace a live database that has accounts or edits (a copy is kept first).")
@click.pass_context
def serve(ctx, host, port, rebuild, fresh):
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
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
    from waitress import serve as serve_wsgi

    serve_wsgi(app, host=host, port=port, threads=8)
