"""`assetmap traders`: the trust-a-trader directory in and out of spreadsheets."""
from __future__ import annotations

import sys

import click

from app.cli import _default_db, cli, open_live_db


@cli.group("traders")
def traders_group():
    """Import and export the trust-a-trader directory."""


@traders_group.command("export")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def traders_export(out_path, db_path):
    """Write the traders as CSV (formulas neutralised; recommenders' details are never exported)."""
    from app.traders.exchange import export_traders

    db = open_live_db(db_path or _default_db())
    click.echo(f"Wrote {export_traders(db, out_path)} traders to {out_path}")


@traders_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def traders_import(csv_file, db_path):
    """Add or update traders from a CSV; new ones start pending until a connector lists them."""
    from app.accounts import User
    from app.traders.exchange import import_traders

    db = open_live_db(db_path or _default_db())
    saved, problems = import_traders(db, User(0, "command line import", "admin"), csv_file)
    for problem in problems:
        click.echo(f"rejected {problem}")
    click.echo(f"Saved {saved} traders; rejected {len(problems)}")
    if problems:
        sys.exit(1)
