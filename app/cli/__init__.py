"""The `assetmap` command: the group and what its commands share; each noun's commands in its own module."""
from __future__ import annotations

from pathlib import Path

import click

from app.config import ConfigError, load_area


def _area(ctx: click.Context):
    try:
        return load_area(ctx.obj.get("area_file"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _default_db() -> Path:
    from app import create_app
    from app.store import DatabaseTooNew

    try:
        return Path(create_app().config["DATABASE"])
    except DatabaseTooNew as exc:
        raise click.ClickException(str(exc)) from None


def open_live_db(db_path: str | Path):
    """Open the live database for writing, first bringing its schema up to date (migrations)."""
    from app import store

    try:
        store.migrate(db_path)
        return store.connect(db_path)
    except (FileNotFoundError, store.DatabaseTooNew) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.option("--area", "area_file", type=click.Path(dir_okay=False), envvar="ASSETMAP_AREA",
              help="Area configuration file (default: area.toml in the project).")
@click.pass_context
def cli(ctx, area_file):
    """Community asset map: build the database, look up postcodes, serve the site."""
    ctx.ensure_object(dict)
    ctx.obj["area_file"] = area_file


def _build_if_missing(area, db_path: Path) -> None:
    """Build the database from the area's data if there is none yet (a fresh install)."""
    from app.assets.pipeline import build as run_build
    from app.assets.record import CsvFileError
    from app.places.wards import WardFileError

    if db_path.exists():
        return
    click.echo(f"Building {db_path} from {area.assets_csv} ...")
    try:
        report = run_build(area, db_path)
    except (CsvFileError, WardFileError) as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.lines():
        click.echo(line)


# Each module adds its commands to the group.
from app.cli import accounts, data, gaps, kiosks, listings, newsletters, openreferral, streets, traders  # noqa: E402,F401
