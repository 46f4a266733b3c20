"""Listings from an OpenStreetMap extract: the places in the area that the tag table maps to a category.

The extract (.osm.pbf or .osm, as downloaded for a county) is read with pyosmium; each named
feature inside the area's wards whose tags are in `osm_tags.csv` becomes a row of the asset CSV
contract, which then goes through the same import preview as a connector's spreadsheet (new,
changed, unchanged, rejected; connectors' web edits left alone). Each row keeps its OSM id (its
listing id is made from it, so a second import of a newer extract updates the same listings), and
says where it came from: OpenStreetMap's data is under the ODbL, which asks for the credit below
wherever it is shown.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import shapely

from app.assets.record import OSM_SOURCE as SOURCE
from app.assets.schedule import ScheduleError, parse_schedule

TAG_TABLE = Path(__file__).with_name("osm_tags.csv")
OSM_DAYS = {"Mo": "Mon", "Tu": "Tue", "We": "Wed", "Th": "Thu", "Fr": "Fri", "Sa": "Sat", "Su": "Sun"}
WHEELCHAIR = {"yes": "Wheelchair accessible", "limited": "Limited wheelchair access",
              "no": "Not wheelchair accessible", "designated": "Wheelchair accessible"}
_RULE = re.compile(r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
                   r"(?:,(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)*)\s+"
                   r"(?P<times>\d{2}:\d{2}-\d{2}:\d{2}(?:,\d{2}:\d{2}-\d{2}:\d{2})*)$")


class OsmFileError(ValueError):
    """An extract that cannot be read at all."""


@dataclass(frozen=True)
class TagRule:
    key: str
    value: str
    category: str            # empty: features with this tag are left out, for the reason in `note`
    only_if: tuple[str, str] | None
    note: str


def tag_rules(path: Path = TAG_TABLE) -> list[TagRule]:
    """Read the table of which OpenStreetMap tags become which category."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [TagRule(r["key"], r["value"], r["category"],
                        tuple(r["only_if"].split("=", 1)) if r["only_if"] else None, r["note"])
                for r in csv.DictReader(handle)]


def _rule_for(tags: dict, rules: list[TagRule]) -> TagRule | None:
    for rule in rules:
        if tags.get(rule.key) == rule.value and (rule.only_if is None or tags.get(rule.only_if[0]) == rule.only_if[1]):
            return rule
    return None


def schedule_from_opening_hours(text: str) -> str | None:
    """Turn simple opening hours ('Mo-Fr 09:00-17:00; Sa 10:00-12:00') into a schedule, or None.

    Anything beyond days and times (public holidays, months, '24/7', comments) is not guessed at:
    the caller keeps the text as it is.
    """
    sessions = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        found = _RULE.match(part)
        if not found:
            return None
        days = found["days"]
        for code, name in OSM_DAYS.items():
            days = days.replace(code, name)
        days = "Daily" if days == "Mon-Sun" else days
        sessions += [f"{days} {span}" for span in found["times"].split(",")]
    schedule = "; ".join(sessions)
    try:
        parse_schedule(schedule)
    except ScheduleError:
        return None
    return schedule or None


def _place(obj) -> tuple[float, float] | None:
    """A feature's point as (lon, lat): a node's location, or the middle of an area's outline."""
    if isinstance(obj, osmium.osm.Node):
        return (obj.location.lon, obj.location.lat) if obj.location.valid() else None
    polygons = []
    for outer in obj.outer_rings():
        ring = [(n.lon, n.lat) for n in outer]
        if len(ring) >= 4:
            polygons.append(shapely.Polygon(ring))
    if not polygons:
        return None
    point = shapely.MultiPolygon(polygons).representative_point()  # inside the area, unlike a centroid
    return point.x, point.y


def _osm_id(obj) -> tuple[str, str]:
    """The feature's OSM id as written in links ('way/123') and as our listing id ('osm-w123')."""
    if isinstance(obj, osmium.osm.Node):
        return f"node/{obj.id}", f"osm-n{obj.id}"
    kind = "way" if obj.from_way() else "relation"
    return f"{kind}/{obj.orig_id()}", f"osm-{kind[0]}{obj.orig_id()}"


@dataclass
class OsmRead:
    rows: list[dict] = field(default_factory=list)
    outside: int = 0                                        # mapped and named, but not in any ward of the area
    unnamed: int = 0                                        # mapped, but with no name to list them by
    left_out: dict[str, int] = field(default_factory=dict)  # tag -> count, for tags the table leaves out


def read_extract(path: str | Path, area_shape) -> OsmRead:
    """Read an extract into asset rows for the features inside `area_shape` (a shapely geometry, lon/lat)."""
    path = Path(path)
    if not path.is_file():
        raise OsmFileError(f"{path} does not exist")
    rules = tag_rules()
    keys = sorted({r.key for r in rules})
    result = OsmRead()
    shapely.prepare(area_shape)
    try:
        features = osmium.FileProcessor(str(path)).with_areas().with_filter(osmium.filter.KeyFilter(*keys))
        for obj in features:
            if isinstance(obj, (osmium.osm.Way, osmium.osm.Relation)):
                continue  # closed ways and multipolygons come again as areas, with their shape
            tags = dict(obj.tags)
            rule = _rule_for(tags, rules)
            if rule is None:
                continue
            if not rule.category:
                label = f"{rule.key}={rule.value}"
                result.left_out[label] = result.left_out.get(label, 0) + 1
                continue
            if not tags.get("name"):
                result.unnamed += 1
                continue
            place = _place(obj)
            if place is None or not area_shape.contains(shapely.Point(place)):
                result.outside += 1
                continue
            result.rows.append(_row(obj, tags, rule, place))
    except RuntimeError as exc:  # pyosmium's own errors: not an OSM file, a truncated one
        raise OsmFileError(f"{path.name} could not be read as an OpenStreetMap extract: {exc}") from None
    return result


def _row(obj, tags: dict, rule: TagRule, place: tuple[float, float]) -> dict:
    osm_link, listing_id = _osm_id(obj)
    street = " ".join(filter(None, (tags.get("addr:housenumber"), tags.get("addr:street"))))
    address = ", ".join(filter(None, (tags.get("addr:housename"), street, tags.get("addr:city"))))
    description = []
    if rule.value == "place_of_worship" and tags.get("religion"):
        description.append(f"Place of worship ({tags['religion'].replace('_', ' ')}"
                           + (f", {tags['denomination'].replace('_', ' ')}" if tags.get("denomination") else "") + ").")
    hours = tags.get("opening_hours", "")
    schedule = schedule_from_opening_hours(hours) if hours else None
    if hours and schedule is None:
        description.append(f"Opening hours (as OpenStreetMap gives them): {hours}")
    website = tags.get("website") or tags.get("contact:website") or ""
    timestamp = obj.timestamp.date().isoformat() if obj.timestamp.year > 1970 else ""
    return {
        "id": listing_id, "name": tags["name"], "category": rule.category,
        "description": " ".join(description), "address": address, "postcode": tags.get("addr:postcode", ""),
        "lat": f"{place[1]:.6f}", "lon": f"{place[0]:.6f}",
        "schedule": schedule or "",
        "contact_phone": tags.get("phone") or tags.get("contact:phone") or "",
        "contact_email": tags.get("email") or tags.get("contact:email") or "",
        "website": website if website.startswith(("http://", "https://")) else "",
        "accessibility": WHEELCHAIR.get(tags.get("wheelchair", ""), ""),
        "source": SOURCE, "source_date": timestamp,
        "osm_id": osm_link, "opening_hours": hours,
    }
