"""`assetmap import`, `export`, `backup` and `restore`: listings in and out of spreadsheets, and snapshots."""
from __future__ import annotations

from pathlib import Path

import click

from app.assets.record import CsvFileError
from app.cli import _area, _default_db, cli, open_live_db


@cli.command()
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="File to write (default: data/assets.csv, or listings.geojson with --format geojson).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--format", "file_format", type=click.Choice(["csv", "geojson", "oruk"]), default="csv",
              show_default=True, help="csv: the asset CSV contract (connectors' round trip); geojson or oruk "
                                      "(Open Referral UK 3.0 JSON): the Open data page's files.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="With --format geojson: the site's address, for each listing's page link.")
@click.option("--include-private", is_flag=True, help="Keep private addresses (and mark them) in the file.")
@click.option("--include-hidden", is_flag=True, help="Also write hidden, closed and deleted listings (with their status).")
@click.pass_context
def export(ctx, out_path, db_path, file_format, base_url, include_private, include_hidden):
    """Write the live database back to the asset CSV format (formulas neutralised for spreadsheets).

    Private addresses are left out unless --include-private; hidden, closed and deleted listings
    are left out unless --include-hidden. --format geojson writes the Open data page's GeoJSON
    (public listings only: the two flags do not apply).
    """
    from app.assets.exchange import export_rows, left_out, open_data_geojson, write_csv

    db = open_live_db(db_path or _default_db())
    if file_format in ("geojson", "oruk"):
        if include_private or include_hidden:
            raise click.UsageError(f"--format {file_format} is the public file: --include-private and --include-hidden "
                                   "do not apply (use the CSV for a connectors' copy).")
        import json
        from urllib.parse import quote

        from app.clock import local_now

        from app.assets.exchange import open_data_oruk

        area = _area(ctx)
        if file_format == "oruk":
            data = open_data_oruk(db, area, local_now(area.timezone))
            count, out_path = len(data["contents"]), out_path or "listings-oruk.json"
        else:
            page = base_url.rstrip("/") + "/assets/"
            data = open_data_geojson(db, area, lambda asset_id: page + quote(asset_id), local_now(area.timezone))
            count, out_path = len(data["features"]), out_path or "listings.geojson"
        with open(out_path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
        click.echo(f"Wrote {count} public listings to {out_path}")
        return
    out_path = out_path or "data/assets.csv"
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
    area = _area(ctx)
    db = open_live_db(db_path or _default_db())
    preview_and_apply(area, db, csv_file, apply_it, overwrite_web_edits)


def preview_and_apply(area, db, csv_file, apply_it: bool, overwrite_web_edits: bool, name: str | None = None,
                      who: str = "command line import") -> None:
    """Show what importing a file in the asset CSV contract would do and, if asked, do it (all or nothing)."""
    from app.accounts import User
    from app.assets.exchange import ImportRefused, apply_import, plan_import

    try:
        plan = plan_import(db, area, csv_file, name=name)
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
        apply_import(db, area, User(0, who, "admin"), csv_file, plan.digest, overwrite_web_edits,
                     name=name, preview=plan)  # rows unchanged since this preview are not prepared again
    except ImportRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Written; each change is in the listings' history.")


@cli.command("import-osm")
@click.argument("extract", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--apply", "apply_it", is_flag=True, help="Write the changes (without it, only show what would change).")
@click.option("--overwrite-web-edits", is_flag=True, help="Also change listings edited on the web since.")
@click.pass_context
def import_osm(ctx, extract, db_path, apply_it, overwrite_web_edits):
    """Seed the map from an OpenStreetMap extract (.osm.pbf or .osm), through the same preview as a spreadsheet.

    Keeps the named features inside the area's wards whose tags app/assets/osm_tags.csv maps to a
    category; each listing's id comes from its OSM id, so importing a newer extract updates them.
    """
    import tempfile

    import shapely

    from app.assets.edits import wards_frame
    from app.assets.exchange import write_csv
    from app.assets.osm import OsmFileError, read_extract

    area = _area(ctx)
    db = open_live_db(db_path or _default_db())
    try:
        found = read_extract(extract, shapely.union_all(wards_frame(db).geometry.values))
    except OsmFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(found.rows)} places in {area.name} to list; {found.outside} outside the area and "
               f"{found.unnamed} without a name were left out.")
    for tag, count in sorted(found.left_out.items()):
        click.echo(f"Left out {count} tagged {tag} (see app/assets/osm_tags.csv for why).")
    if not found.rows:
        return
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = write_csv(found.rows, Path(tmp) / "openstreetmap.csv")
        preview_and_apply(area, db, rows_file, apply_it, overwrite_web_edits, name=Path(extract).name,
                          who="OpenStreetMap import")


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Backup file (default: instance/backups/assetmap-YYYYMMDD-HHMMSS.db).")
def backup(db_path, out_path):
    """Copy the live database consistently, even while the site is running."""
    from datetime import datetime

    from app import store

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
    from app import store

    db_path = Path(db_path or _default_db())
    problem = store.check_backup(backup_file)
    if problem:
        raise click.ClickException(f"{backup_file} cannot be restored: {problem}. Nothing was changed.")
    kept = store.restore(backup_file, db_path)
    if kept:
        click.echo(f"Kept the database it replaced at {kept}")
    click.echo(f"Restored {db_path} from {backup_file}")
