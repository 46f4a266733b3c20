"""`assetmap gaps`: older residents far from things to do, per LSOA and ward (the workspace page's figures)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from app.cli import _area, _default_db, cli


@cli.command()
@click.option("--category", "category", default=None,
              help="A category slug (library, cafe, ...) to measure as well as any activity.")
@click.option("--minutes", type=click.IntRange(1, 60), default=None,
              help="More than this many minutes' walk counts as far (default: [gaps] minutes in the area file).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the LSOA figures to a .csv or .geojson file instead of a summary by ward.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.pass_context
def gaps(ctx, category, minutes, out_path, db_path):
    """Say where people aged 60+ live far from any activity, per neighbourhood (LSOA) and ward."""
    from app import store
    from app.gaps.areas import GapsDataError
    from app.gaps.export import lsoa_csv, lsoa_geojson, method_notes
    from app.gaps.measure import ANY, MEASURES, gaps as compute, measure_label

    area = _area(ctx)
    if category is not None and (category == ANY or category not in MEASURES):
        raise click.BadParameter(f"{category!r} is not a category; use one of: {', '.join(MEASURES[1:])}",
                                 param_hint="--category")
    measures = (ANY,) if category is None else (ANY, category)
    if out_path and Path(out_path).suffix.lower() not in (".csv", ".geojson"):
        raise click.BadParameter("the file must end in .csv or .geojson", param_hint="--out")
    path = Path(db_path) if db_path else _default_db()
    if not path.exists():
        raise click.ClickException(f"no database at {path}: run `assetmap build` first")
    db = store.connect(path)
    from app.walks.streets import usable_network

    network = usable_network(area, path.with_name("streets.npz"))  # where `assetmap streets` puts it
    if network is not None:
        click.echo("Walking along the street network (assetmap streets), not the straight line x 1.3.")
    try:
        found = compute(db, area, minutes, network)
    except GapsDataError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.conn.close()
    if out_path:
        if out_path.lower().endswith(".csv"):
            Path(out_path).write_text(lsoa_csv(found, measures), encoding="utf-8-sig", newline="")
        else:
            Path(out_path).write_text(json.dumps(lsoa_geojson(found, measures), ensure_ascii=False), encoding="utf-8")
        click.echo(f"Wrote {len(found.lsoas)} neighbourhoods to {out_path}.")
        return
    key = measures[-1]
    older = sum(row.older for row in found.lsoas)
    far = sum(row.far[key] for row in found.lsoas)
    click.echo(f"People aged 60+ more than {found.minutes} minutes' walk from "
               f"{measure_label(key).lower()}: {far:,.0f} of {older:,.0f} ({far / older:.0%}).")
    click.echo(f"{'Ward':32} {'60+':>7} {'far':>7} {'share':>6} {'priority LSOAs':>15}")
    for ward in found.wards:
        click.echo(f"{ward.name:32} {ward.older:7.0f} {ward.far[key]:7.0f} {ward.share(key):6.0%} {ward.priority_lsoas:15d}")
    priority = [row for row in found.lsoas if row.priority]
    click.echo(f"Priority neighbourhoods: {len(priority)} (IDAOPI decile "
               f"{' or '.join(map(str, found.settings.priority_deciles))} and at least "
               f"{found.settings.large_share:.0%} of the 60+ far from any activity).")
    for note in method_notes(found):
        click.echo(f"- {note}")
