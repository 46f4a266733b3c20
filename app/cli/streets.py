"""`assetmap streets`: turning the area's OpenStreetMap extract into the walking graph patch walks use."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from app.cli import _area, cli


@cli.command()
@click.option("--osm", "osm_path", type=click.Path(dir_okay=False),
              help="OpenStreetMap extract, .osm.pbf or .osm (default: [walks] street_network in the area file).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Graph to write (default: instance/streets.npz, where the site looks for it).")
@click.pass_context
def streets(ctx, osm_path, out_path):
    """Build the walking graph from the area's street network, once; the site reads it when it starts.

    Exits 2 when the extract is missing, unreadable or has no walkable streets (the graph already
    built, if any, is left as it was).
    """
    from app import create_app
    from app.walks.streets import StreetNetworkError, build_network

    area = _area(ctx)
    osm_path = Path(osm_path) if osm_path else area.street_network
    if osm_path is None:
        raise click.ClickException(f"the area file {area.source_file} names no street network: set "
                                   "street_network in its [walks] section, or give --osm")
    if out_path is None:
        out_path = create_app(area_file=area.source_file).config["STREET_GRAPH"]
    click.echo(f"Reading {osm_path} ...")
    try:
        report = build_network(osm_path, out_path)
    except StreetNetworkError as exc:
        click.echo(f"Error: {exc}", err=True)
        click.echo("Nothing was built; walks keep the graph they had (or the straight line x 1.3).", err=True)
        sys.exit(2)
    for line in report.lines():
        click.echo(line)
