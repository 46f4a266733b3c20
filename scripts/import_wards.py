#!/usr/bin/env python3
"""Make data/wards/ from any ONS ward boundary file (GeoJSON, GeoPackage or Shapefile, any CRS).

Keeps the wards of one local authority, renames ONS columns to ward_code and ward_name,
reprojects to EPSG:4326, repairs invalid shapes and reports overlaps and gaps.

\b
Example:
    python scripts/import_wards.py ../shared/data/wards/leicester_wards.geojson E06000016
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.places.wards import WardFileError, check_wards, normalise_ward_file, write_wards  # noqa: E402


@click.command(help=__doc__)
@click.argument("boundary_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("lad_code")
@click.option("--out", "out_dir", default="data/wards", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write wards.geojson and outline.geojson into.")
@click.option("--lookup", type=click.Path(exists=True, dir_okay=False),
              help="Ward-to-local-authority lookup CSV, for ward files with no LADyyCD column.")
@click.option("--allow-overlaps", is_flag=True, help="Write the files even if wards overlap.")
def main(boundary_file, lad_code, out_dir, lookup, allow_overlaps):
    try:
        wards = normalise_ward_file(boundary_file, lad_code, lookup)
    except WardFileError as exc:
        raise click.ClickException(str(exc)) from None
    wards, checks = check_wards(wards)
    for line in checks.lines():
        click.echo(line)
    if checks.overlaps and not allow_overlaps:
        raise click.ClickException("wards overlap, so a point could fall in two; nothing written")
    for path in write_wards(wards, out_dir):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
