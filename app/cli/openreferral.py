"""`assetmap import-oruk`: an Open Referral UK 3.0 feed (ours or another council's) through the import preview."""
from __future__ import annotations

import tempfile
from pathlib import Path

import click

from app.cli import _area, _default_db, cli, open_live_db
from app.cli.listings import preview_and_apply


@cli.command("import-oruk")
@click.argument("source")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--apply", "apply_it", is_flag=True, help="Write the changes (without it, only show what would change).")
@click.option("--overwrite-web-edits", is_flag=True, help="Also change listings edited on the web since.")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 600),
              help="Seconds to wait for each answer from the feed.")
@click.pass_context
def import_oruk(ctx, source, db_path, apply_it, overwrite_web_edits, timeout):
    """Read an Open Referral UK 3.0 feed (its base or /services address, or a JSON file of services)
    into the same preview as a spreadsheet import: new, changed, unchanged and rejected listings.

    Writes nothing unless --apply, and then all or nothing. Each service becomes one row of the
    asset CSV contract (its first location, taxonomy term that is one of our categories, schedules,
    contacts, languages, cost and accessibility), with the feed as its source.
    """
    from app.assets.exchange import write_csv
    from app.formats.oruk import FeedError, read_services, service_rows

    area = _area(ctx)
    try:
        services = read_services(source, timeout)
        rows = service_rows(services, f"Open Referral UK feed {source}")
    except FeedError as exc:
        raise click.ClickException(f"{exc}. Nothing was imported.") from None
    click.echo(f"Read {len(services)} services from {source}")
    db = open_live_db(db_path or _default_db())
    with tempfile.TemporaryDirectory(prefix="assetmap-oruk-") as folder:
        path = write_csv(rows, Path(folder) / "feed.csv")
        preview_and_apply(area, db, path, apply_it, overwrite_web_edits, name=source)
