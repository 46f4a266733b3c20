"""build(): asset CSV + ward boundaries -> SQLite, with a report a human can act on.

read rows -> validate -> geocode -> assign ward -> check across rows -> write (atomically).
Each stage adds to the row's record and never reads back what a later stage writes.
"""
from __future__ import annotations

import csv
import gc
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely

from app import store
from app.assets.record import CATEGORIES, AssetFile, Problem, read_asset_file, validate_row
from app.clock import stamp
from app.config import Area
from app.formats.csv_safe import SPREADSHEET_ENCODING
from app.places.geocode import BNG, PostcodeDirectory, area_postcodes, bng_to_wgs84, wgs84_to_bng
from app.places.wards import WARDS_FILE, assign_wards, load_wards, simplified_geometries, slugify
from app.values import truthy

# A postcode this far from given coordinates probably belongs to another place.
POSTCODE_MISMATCH_M = 2000


@dataclass
class Report:
    assets_file: str
    rows_read: int = 0
    imported: int = 0
    warned: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejects_file: str | None = None
    by_category: dict[str, int] = field(default_factory=dict)
    by_precision: dict[str, int] = field(default_factory=dict)
    outside_area: int = 0

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def lines(self) -> list[str]:
        """Describe the build for a person: counts, then each problem by row and column."""
        out = [
            f"Read {self.rows_read} rows from {self.assets_file}",
            f"  imported: {self.imported}",
            f"  warned:   {self.warned} (imported, but look at them)",
            f"  rejected: {self.rejected}",
        ]
        if self.by_precision:
            out.append("  located by: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_precision.items())))
        if self.outside_area:
            out.append(f"  outside the area: {self.outside_area}")
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [p for p in self.problems if p.severity == "warning"]
        if errors:
            out.append("Rejected:")
            out += [f"  {p}" for p in errors]
        if warnings:
            out.append("Warnings:")
            out += [f"  {p}" for p in warnings]
        if self.rejects_file:
            out.append(f"Rejected rows, with the reason, are in {self.rejects_file}")
        return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def generated_id(name: str, place: str) -> str:
    """Make an id from a name and a place (a postcode or a ward): lowercase words joined by hyphens."""
    base = slugify(name)[:60].strip("-")
    if not base:  # names written wholly in another script (Gujarati, Urdu, ...)
        base = "asset-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    place = slugify(place)
    return f"{base}-{place}" if place else base


def build(area: Area, db_path: str | Path, assets_csv: str | Path | None = None,
          wards_dir: str | Path | None = None, rejects_path: str | Path | None = None,
          today: date | None = None, directory: PostcodeDirectory | None = None) -> Report:
    """Build the database at db_path from an asset CSV and a ward folder; return the report.

    Raises assets.CsvFileError (or wards.WardFileError) when an input cannot be read at all;
    then nothing is written and any existing database is untouched.
    """
    assets_csv = Path(assets_csv or area.assets_csv)
    wards_dir = Path(wards_dir or area.wards_dir)
    db_path = Path(db_path)
    rejects_path = Path(rejects_path) if rejects_path else db_path.with_name(db_path.stem + "-rejects.csv")
    today = today or date.today()
    directory = directory or PostcodeDirectory()

    # The build makes hundreds of thousands of small containers and frees none until the end;
    # the cyclic garbage collector would only rescan them over and over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(area, db_path, assets_csv, wards_dir, rejects_path, today, directory)
    finally:
        if collecting:
            gc.enable()


def _build(area, db_path, assets_csv, wards_dir, rejects_path, today, directory) -> Report:
    asset_file = read_asset_file(assets_csv)
    wards = load_wards(wards_dir)
    report = Report(str(assets_csv), rows_read=len(asset_file.rows))

    records, problems_by_row = _validate(asset_file, today, area.category_synonyms)
    _check_ids(records, problems_by_row)
    _geocode(records, problems_by_row, directory, area)
    _place(records, problems_by_row, wards, area)
    ward_names = dict(zip(wards["ward_code"], wards["ward_name"]))
    _flag_duplicates(records, problems_by_row, ward_names)

    rejected_rows, kept = [], []
    for index, record in enumerate(records):
        problems = problems_by_row[index]
        report.problems.extend(problems)
        if any(p.severity == "error" for p in problems):
            rejected_rows.append(index)
        else:
            kept.append(index)
            if problems:
                report.warned += 1
    report.rejected = len(rejected_rows)
    report.imported = len(kept)

    assets = [asset_row(records[i], problems_by_row[i], ward_names) for i in kept]
    private_ids = [records[i]["id"] for i in kept if records[i].get("private")]
    column = {name: i for i, name in enumerate(store.ASSET_COLUMNS)}
    report.by_category = dict(Counter(a[column["category"]] for a in assets))
    report.by_precision = dict(Counter(a[column["location_precision"]] for a in assets))
    report.outside_area = sum(a[column["outside_area"]] for a in assets)

    build_row = {
        "id": 1,
        "built_at": stamp(),
        "assets_file": assets_csv.name,
        "assets_sha256": _sha256(assets_csv),
        "wards_sha256": _sha256(wards_dir / WARDS_FILE),
        "rows_read": report.rows_read, "imported": report.imported,
        "warned": report.warned, "rejected": report.rejected,
    }
    problem_rows = [{"build_id": 1, "row": p.row, "column": p.column, "severity": p.severity,
                     "message": p.message} for p in report.problems]
    store.write_database(db_path, assets, _ward_rows(wards, area), build_row, problem_rows,
                         _postcode_rows(area, wards), private_ids)

    if rejected_rows:
        _write_rejects(rejects_path, asset_file, rejected_rows, problems_by_row)
        report.rejects_file = str(rejects_path)
    else:
        rejects_path.unlink(missing_ok=True)  # a rejects file from an earlier build would mislead
    return report


def prepare(values: dict[str, str], area: Area, wards, today: date,
            directory: PostcodeDirectory | None = None, taken_ids: set[str] = frozenset()) -> tuple[dict, list[Problem]]:
    """Run one asset's values (keyed by contract column) through the same stages as a build.

    This is how the workspace's forms check and place an asset: exactly as the CSV importer
    does. Returns the record and its problems; any problem with severity "error" means reject.
    A new private listing's id is made from its name and ward, never its postcode.
    """
    return prepare_many([values], area, wards, today, directory, taken_ids)[0]


def prepare_many(rows: list[dict[str, str]], area: Area, wards, today: date,
                 directory: PostcodeDirectory | None = None,
                 taken_ids: set[str] = frozenset()) -> list[tuple[dict, list[Problem]]]:
    """Prepare many assets' values as prepare() does one, looking up postcodes and wards once for all."""
    records, problems_by_row = [], []
    for values in rows:
        checked = validate_row(values, None, today, area.category_synonyms)
        checked.record["row"] = None
        checked.record["extra"] = {}
        records.append(checked.record)
        problems_by_row.append(checked.problems)
    _geocode(records, problems_by_row, directory or PostcodeDirectory(), area)
    _place(records, problems_by_row, wards, area)
    ward_names = dict(zip(wards["ward_code"], wards["ward_name"]))
    for values, record, problems in zip(rows, records, problems_by_row):
        if not _rejected(problems) and not record["id"]:
            if truthy(values.get("private_address")):  # the id is in every link: nothing of where someone lives
                place = ward_names.get(record.get("ward_code"), "")
            else:
                place = record["postcode"] or (record["ward"] if record["precision"] == "ward" else "")
            record["id"] = unused_id(generated_id(record["name"], place), taken_ids)
    return list(zip(records, problems_by_row))


def unused_id(base: str, taken_ids) -> str:
    """Return base, or base with the first free number after it (-2, -3, ...)."""
    candidate, n = base, 2
    while candidate in taken_ids:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _validate(asset_file: AssetFile, today: date, synonyms: tuple[tuple[str, str], ...] = ()):
    records, problems_by_row = [], []
    width = len(asset_file.header)
    for raw in asset_file.rows:
        checked = validate_row(asset_file.values(raw), raw.row, today, synonyms)
        record = checked.record
        record["row"] = raw.row
        record["extra"] = asset_file.extra_values(raw) if asset_file.extras else {}
        problems = checked.problems
        _read_private(record, problems)
        if len(raw.cells) > width:
            problems.append(Problem(raw.row, None, f"has {len(raw.cells)} cells but the header has "
                                                   f"{width} columns; check for a stray comma"))
        records.append(record)
        problems_by_row.append(problems)
    return records, problems_by_row


def _rejected(problems: list[Problem]) -> bool:
    return bool(problems) and any(p.severity == "error" for p in problems)


PRIVATE_COLUMN = "private_address"  # written by the workspace's export; read back by a build or an import
FALSE_WORDS = frozenset({"", "0", "off", "false", "no", "n"})


def _read_private(record: dict, problems: list[Problem]) -> None:
    """Keep a row's "private address" mark (someone's home): its address, postcode and pin are never shown."""
    value = record["extra"].pop(PRIVATE_COLUMN, None)
    record["private"] = truthy(value)
    if value is not None and not record["private"] and value.strip().lower() not in FALSE_WORDS:
        # Unclear is read as private: showing a home address by mistake cannot be taken back.
        record["private"] = True
        problems.append(Problem(record["row"], PRIVATE_COLUMN, f"'{value}' is not yes or no; "
                                "the address is kept private (write 'no' to show it)", "warning"))


def _check_ids(records, problems_by_row) -> None:
    seen: dict[str, int] = {}
    for record, problems in zip(records, problems_by_row):
        given = record["id"]
        if not given:
            continue
        if given in seen:
            problems.append(Problem(record["row"], "id", f"'{given}' is already used by row {seen[given]}"))
        else:
            seen[given] = record["row"]


def _geocode(records, problems_by_row, directory: PostcodeDirectory, area: Area) -> None:
    """Give each row easting/northing (EPSG:27700) and a location precision."""
    wanted = sorted({r["postcode"] for r, p in zip(records, problems_by_row)
                     if r["postcode"] and not _rejected(p)})
    found = directory.lookup_many(wanted)
    live = _live_postcodes(area)
    need_bng = []
    for index, (record, problems) in enumerate(zip(records, problems_by_row)):
        record["easting"] = record["northing"] = None
        claimed = record["location_precision"]
        if _rejected(problems):
            continue
        postcode, row = record["postcode"], record["row"]
        hit = found.get(postcode) if postcode else None
        if postcode:
            if hit is None:
                message = f"{postcode} is not in the ONS Postcode Directory: check it for typos (it may be new or mistyped)"
            elif hit.easting != hit.easting:  # NaN: listed without a grid reference
                message = f"{postcode} is in the ONS Postcode Directory but has no location (it may be terminated or non-geographic)"
            else:
                message = None
                if live is not None and hit.lad_code == area.lad_code and postcode not in live:
                    problems.append(Problem(row, "postcode", f"{postcode} is no longer a live postcode "
                                            "(it looks terminated); the address may be out of date", "warning"))
            if message:
                if record["lat"] is None:
                    problems.append(Problem(row, "postcode", message))
                    continue
                problems.append(Problem(row, "postcode", message + "; using the given lat and lon", "warning"))
                hit = None
        if record["lat"] is not None:
            record["precision"] = "exact"
            need_bng.append(index)
            record["postcode_point"] = (hit.easting, hit.northing) if hit else None
        elif hit is not None:
            record["precision"] = "postcode"
            record["easting"], record["northing"] = hit.easting, hit.northing
        else:
            record["precision"] = "ward"
        if claimed and claimed != record["precision"]:
            if claimed == "ward":
                record["hide_point"] = True  # used only to check the ward; no pin is shown
            else:
                problems.append(Problem(row, "location_precision", f"says '{claimed}' but the row gives "
                                        f"{'a postcode' if record['precision'] == 'postcode' else 'no postcode or lat/lon' if record['precision'] == 'ward' else 'lat and lon'}; "
                                        f"recorded as '{record['precision']}'", "warning"))
    if need_bng:
        lats = [records[i]["lat"] for i in need_bng]
        lons = [records[i]["lon"] for i in need_bng]
        eastings, northings = wgs84_to_bng(lats, lons)
        for i, e, n in zip(need_bng, eastings.tolist(), northings.tolist()):
            record = records[i]
            record["easting"], record["northing"] = e, n
            point = record.pop("postcode_point", None)
            if point is not None:
                gap = float(np.hypot(point[0] - e, point[1] - n))
                if gap > POSTCODE_MISMATCH_M:
                    problems_by_row[i].append(Problem(record["row"], "postcode", f"{record['postcode']} is "
                                                      f"{gap / 1000:.1f} km from the given lat and lon; check which is right", "warning"))
    located = [i for i, r in enumerate(records) if r.get("easting") is not None and r.get("lat") is None]
    if located:
        lats, lons = bng_to_wgs84([records[i]["easting"] for i in located], [records[i]["northing"] for i in located])
        for i, lat, lon in zip(located, lats.tolist(), lons.tolist()):
            records[i]["lat"], records[i]["lon"] = round(lat, 6), round(lon, 6)


def _live_postcodes(area: Area) -> set[str] | None:
    if not area.live_postcodes or not Path(area.live_postcodes).exists():
        return None
    return _read_live_postcodes(str(area.live_postcodes))


_LIVE_CACHE: dict[str, set[str]] = {}


def _read_live_postcodes(path: str) -> set[str]:
    if path not in _LIVE_CACHE:
        with open(path, encoding="utf-8", newline="") as handle:
            _LIVE_CACHE[path] = {row["pcd"].strip() for row in csv.DictReader(handle)}
    return _LIVE_CACHE[path]


def _ward_lookup(wards) -> dict[str, str]:
    """Map every way of writing a ward (code, name, slug) to its code."""
    lookup = {}
    for code, name in zip(wards["ward_code"], wards["ward_name"]):
        for key in (code, name, slugify(name)):
            lookup[key.casefold()] = code
    return lookup


def _place(records, problems_by_row, wards, area: Area) -> None:
    """Assign wards to located rows, check claimed wards, flag rows outside the area."""
    lookup = _ward_lookup(wards)
    names = dict(zip(wards["ward_code"], wards["ward_name"]))
    located = [i for i, r in enumerate(records) if r.get("easting") is not None and not _rejected(problems_by_row[i])]
    if located:
        result = assign_wards(wards, [records[i]["easting"] for i in located],
                              [records[i]["northing"] for i in located], crs=BNG)
        for k, i in enumerate(located):
            record = records[i]
            record["ward_code"] = result.ward_code[k]
            record["outside_area"] = bool(result.outside[k])
            if result.outside[k]:
                record["nearest_ward_code"] = result.nearest_code[k]
                record["nearest_ward_m"] = round(float(result.nearest_distance_m[k]), 1)
                problems_by_row[i].append(Problem(
                    record["row"], "postcode" if record["precision"] == "postcode" else "lat",
                    f"is outside {area.name}: {record['nearest_ward_m'] / 1000:.1f} km from the nearest ward, "
                    f"{names[record['nearest_ward_code']]}; kept and flagged", "warning"))
    for i, record in enumerate(records):
        problems = problems_by_row[i]
        if _rejected(problems):
            continue
        claim = record["ward"]
        claimed_code = lookup.get(claim.casefold()) if claim else None
        if record["precision"] == "ward":
            if claimed_code is None:
                problems.append(Problem(record["row"], "ward", f"'{claim}' is not a ward of {area.name}; "
                                        f"the wards are: {', '.join(sorted(names.values()))}"))
                continue
            record["ward_code"] = claimed_code
            record["outside_area"] = False
        elif claim and claimed_code != record.get("ward_code"):
            actual = names.get(record.get("ward_code"), f"no ward of {area.name}")
            problems.append(Problem(record["row"], "ward", f"says '{claim}' but the location is in {actual}; "
                                    f"using {actual}", "warning"))


def _flag_duplicates(records, problems_by_row, ward_names: dict) -> None:
    """Give rows without an id a stable one; flag rows that repeat another's name and place.

    A private listing's id is made from its name and ward: the id is in every link.
    """
    taken = {r["id"] for r in records if r["id"]}
    seen_place: dict[tuple, int] = {}
    for record, problems in zip(records, problems_by_row):
        if _rejected(problems):
            continue
        place = record["postcode"] or (record["ward"] if record["precision"] == "ward" else "")
        key = (_name_key(record["name"]), (place or "").casefold())
        if key in seen_place:
            what = "postcode" if record["postcode"] else "ward"
            problems.append(Problem(record["row"], "name", f"looks like a duplicate of row {seen_place[key]} "
                                    f"(same name and {what}); kept and flagged", "warning"))
        else:
            seen_place[key] = record["row"]
        if not record["id"]:
            shown_place = ward_names.get(record.get("ward_code"), "") if record.get("private") else place
            record["id"] = unused_id(generated_id(record["name"], shown_place), taken)
            taken.add(record["id"])


def asset_row(record: dict, problems: list[Problem], ward_names: dict) -> tuple:
    """Return the assets-table row for a record, in store.ASSET_COLUMNS order."""
    hide = record.get("hide_point") or record["precision"] == "ward"
    ward_code = record.get("ward_code")
    category = record["category"]
    return (
        record["id"], record["name"], category, CATEGORIES[category], record["description"],
        record["address"], record["postcode"],
        None if hide else record["lat"], None if hide else record["lon"],
        None if hide else record["easting"], None if hide else record["northing"],
        ward_code, ward_names.get(ward_code), "ward" if hide else record["precision"],
        int(bool(record.get("outside_area"))), record.get("nearest_ward_code"), record.get("nearest_ward_m"),
        record["schedule"], _sessions_json(record["sessions"]),
        record["contact_phone"], record["contact_email"], record["website"], record["cost"],
        record["languages"], record["accessibility"], record["audience"], record["source"],
        record["source_date"], record["last_verified"],
        json.dumps(record["extra"], ensure_ascii=False, sort_keys=True) if record["extra"] else "{}",
        record["row"],
        json.dumps([str(Problem(None, p.column, p.message)) for p in problems], ensure_ascii=False) if problems else "[]",
    )


@lru_cache(maxsize=4096)
def _sessions_json(sessions: tuple) -> str:
    return json.dumps([s.as_dict() for s in sessions])


def _ward_rows(wards, area: Area) -> list[dict]:
    focus = {w.casefold() for w in area.focus_wards}
    simple = simplified_geometries(wards)
    metric = wards.to_crs(BNG)
    centroids = metric.geometry.representative_point().to_crs("EPSG:4326")
    rows = []
    for i, ward in wards.iterrows():
        rows.append({
            "ward_code": ward["ward_code"],
            "ward_name": ward["ward_name"],
            "slug": ward["slug"],
            "lad_code": ward["lad_code"],
            "lad_name": ward.get("lad_name", ""),
            "is_focus": int(ward["ward_name"].casefold() in focus),
            "area_km2": round(float(metric.geometry.iloc[i].area) / 1e6, 3),
            "centroid_lat": round(float(centroids.iloc[i].y), 6),
            "centroid_lon": round(float(centroids.iloc[i].x), 6),
            "geometry": shapely.to_geojson(ward.geometry),
            "geometry_simplified": shapely.to_geojson(simple.iloc[i]),
        })
    return rows


def _postcode_rows(area: Area, wards) -> list[tuple]:
    """Every located postcode in the area's postcode areas, with lat/lon and ward."""
    keys, eastings, northings = [], [], []
    for postcode_area_letters in area.postcode_areas:
        for compact, (easting, northing, _lad) in area_postcodes(postcode_area_letters).items():
            if easting == easting:  # skip postcodes with no grid reference (NaN)
                keys.append(f"{compact[:-3]} {compact[-3:]}")
                eastings.append(easting)
                northings.append(northing)
    if not keys:
        return []
    lats, lons = bng_to_wgs84(eastings, northings)
    placed = assign_wards(wards, eastings, northings, crs=BNG)
    return list(zip(keys, np.round(lats, 6).tolist(), np.round(lons, 6).tolist(), eastings, northings,
                    placed.ward_code.tolist()))


def _write_rejects(path: Path, asset_file: AssetFile, rejected_rows, problems_by_row) -> None:
    """Write rejected rows exactly as read, plus a reason column."""
    header = list(asset_file.header)
    reason_column = "reason" if "reason" not in header else "rejection_reason"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=SPREADSHEET_ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header + [reason_column])
        for index in rejected_rows:
            raw = asset_file.rows[index]
            reasons = "; ".join(str(p) for p in problems_by_row[index] if p.severity == "error")
            cells = raw.cells + [""] * (len(header) - len(raw.cells))
            writer.writerow(cells + [reasons])
