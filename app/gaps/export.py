"""The gaps figures as files: CSV (one row per LSOA or ward) and GeoJSON (LSOA polygons with the figures)."""
from __future__ import annotations

import csv
import io

from app.formats.csv_safe import neutralise
from app.gaps.measure import ACTIVITY_CATEGORIES, ANY, MEASURES, AreaGap, Gaps, measure_label


def method_notes(gaps: Gaps) -> list[str]:
    """How each figure is made, in plain words: shown on the page and carried in the downloads."""
    settings = gaps.settings
    activities = ", ".join(measure_label(c).lower() for c in ACTIVITY_CATEGORIES)
    deciles = " or ".join(str(d) for d in settings.priority_deciles)
    return [
        "Where older people live: each LSOA's residents aged 60 and over (mid-2022 estimates) are shared "
        "equally between its live postcodes. This is an approximation: the postcode list cannot tell homes "
        "from businesses, and some postcodes have more homes than others.",
        f"Far means more than {gaps.minutes} minutes' easy walk to the nearest listing: "
        + ("along the paths and streets of the area's OpenStreetMap street network (the one patch walks use), "
           if gaps.along_streets else "the straight line made 1.3 times longer for streets, ")
        + "at 3 km/h, rounded to the minute as residents' pages show it.",
        f"Any activity means the things to do ({activities}); GP practices and advice services are "
        "counted only in their own columns.",
        "Listings known only by their ward, or at a private address, have no point on the map: they are "
        "not measured, and each ward says how many it has.",
        f"IDAOPI is income deprivation affecting older people (English Indices of Deprivation 2025); "
        f"decile 1 is the most deprived 10 % of England. Priority: IDAOPI decile {deciles} and at least "
        f"{settings.large_share:.0%} of the 60+ far from any activity.",
        "Wards add up the LSOAs whose area lies mostly in them; LSOAs do not fit wards exactly.",
    ]


def _figures(row: AreaGap, measures) -> list:
    cells = [round(row.older)]
    for key in measures:
        cells += [round(row.far[key]), round(row.share(key), 3)]
    return cells


def _measure_headers(measures) -> list[str]:
    headers = ["people_60_plus"]
    for key in measures:
        name = "any_activity" if key == ANY else key
        headers += [f"far_from_{name}", f"share_far_from_{name}"]
    return headers


def lsoa_csv(gaps: Gaps, measures: tuple[str, ...] = MEASURES) -> str:
    """One row per LSOA; the last column carries the method and credits on the first row only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["lsoa_code", "lsoa_name", "ward_code", "ward_name", *_measure_headers(measures),
                     "typical_minutes_to_any_activity", "idaopi_decile", "idaopi_score", "priority",
                     "threshold_minutes", "notes"])
    notes = " ".join(method_notes(gaps) + list(gaps.settings.attribution))
    for i, row in enumerate(gaps.lsoas):
        writer.writerow([row.code, neutralise(row.name), row.ward_code, neutralise(row.ward_name), *_figures(row, measures),
                         "" if row.typical_minutes is None else int(row.typical_minutes), row.idaopi_decile,
                         row.idaopi_score, "yes" if row.priority else "no", gaps.minutes, notes if i == 0 else ""])
    return out.getvalue()


def ward_csv(gaps: Gaps, measures: tuple[str, ...] = MEASURES) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ward_code", "ward_name", "lsoas", *_measure_headers(measures), "priority_lsoas",
                     "activities_not_on_map", "threshold_minutes", "notes"])
    notes = " ".join(method_notes(gaps) + list(gaps.settings.attribution))
    for i, row in enumerate(gaps.wards):
        writer.writerow([row.code, neutralise(row.name), row.lsoas, *_figures(row, measures), row.priority_lsoas,
                         row.not_on_map, gaps.minutes, notes if i == 0 else ""])
    return out.getvalue()


def lsoa_geojson(gaps: Gaps, measures: tuple[str, ...] = MEASURES) -> dict:
    """The LSOA polygons (EPSG:4326) with their figures; method and credits in the collection's properties."""
    features = []
    for row, geometry in zip(gaps.lsoas, gaps.places.geometries):
        properties = {"lsoa_code": row.code, "lsoa_name": row.name, "ward_code": row.ward_code,
                      "ward_name": row.ward_name}
        properties.update(zip(_measure_headers(measures), _figures(row, measures)))
        properties.update(typical_minutes_to_any_activity=row.typical_minutes, idaopi_decile=row.idaopi_decile,
                          idaopi_score=row.idaopi_score, priority=row.priority)
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "threshold_minutes": gaps.minutes, "notes": method_notes(gaps),
            "attribution": list(gaps.settings.attribution), "features": features}
