#!/usr/bin/env python3
"""Add the places in a points-of-interest CSV to an asset CSV, keeping every row already there.

Reads a CSV with name, category, address, postcode, source, source_date and notes columns
(as tests/data/pois/leicester_pois.csv), turns libraries and GP surgeries into asset rows,
and adds a venue row for each library housed in a named centre ("The BRITE Centre, ...").
Rows whose id is already in the asset CSV are left alone, so hand edits survive.

\b
Example:
    python scripts/pois_to_assets.py tests/data/pois/leicester_pois.csv data/assets.csv
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.places.wards import slugify  # noqa: E402

CENTRE = re.compile(r"^(?P<centre>[^,]*\b(?:Centre|Center)\b[^,]*),")


def _source_date(text: str) -> str:
    match = re.search(r"\d{4}(-\d{2})?", text)
    return match.group(0) if match else ""


def poi_rows(pois: list[dict]) -> list[dict]:
    """Turn POI rows into asset rows (libraries, GP surgeries, and the centres libraries sit in)."""
    rows = []
    for poi in pois:
        date = _source_date(poi["source_date"])
        base = {"address": poi["address"], "postcode": poi["postcode"], "location_precision": "postcode",
                "source": poi["source"], "source_date": date}
        if poi["category"] == "library":
            continue  # the library rows in assets.csv carry hand-written descriptions
        if poi["category"] == "gp_surgery":
            rows.append(base | {
                "id": slugify(f"{poi['name']} {poi['postcode']}"),
                "name": poi["name"],
                "category": "health_service",
                "description": "GP practice (NHS).",
                "notes": f"From the NHS practice list of December 2019 ({poi['notes']}); "
                         "practices may have merged, moved or closed since.",
            })
    for poi in pois:
        match = CENTRE.match(poi["address"]) if poi["category"] == "library" else None
        if match and match["centre"].strip().lower() not in poi["name"].lower():
            centre = match["centre"].strip()
            rows.append({
                "id": slugify(centre), "name": centre, "category": "community_centre",
                "description": f"The building that houses {poi['name']}.",
                "address": poi["address"], "postcode": poi["postcode"], "location_precision": "postcode",
                "source": poi["source"], "source_date": _source_date(poi["source_date"]),
                "notes": f"Named as the address of {poi['name']} in the library dataset (c. 2020); "
                         "what else happens there is not recorded yet.",
            })
    return rows


@click.command(help=__doc__)
@click.argument("pois_csv", type=click.Path(exists=True, dir_okay=False))
@click.argument("assets_csv", type=click.Path(exists=True, dir_okay=False))
def main(pois_csv, assets_csv):
    with open(assets_csv, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, existing = reader.fieldnames, list(reader)
    with open(pois_csv, encoding="utf-8", newline="") as handle:
        pois = list(csv.DictReader(handle))
    known = {row["id"] for row in existing}
    added = [row for row in poi_rows(pois) if row["id"] not in known]
    with open(assets_csv, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(existing)
        writer.writerows({k: row.get(k, "") for k in header} for row in added)
    click.echo(f"kept {len(existing)} rows, added {len(added)}")


if __name__ == "__main__":
    main()
