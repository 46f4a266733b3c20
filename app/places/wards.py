"""Electoral wards: normalise ONS boundary files, check them, and place points in them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from app.places.geocode import BNG, WGS84

WARDS_FILE = "wards.geojson"
OUTLINE_FILE = "outline.geojson"

# ONS names its columns by geography and year: WD25CD, WD25NM, LAD25CD, LAD25NM, ...
_ONS_COLUMNS = {
    "ward_code": re.compile(r"^(ward_code|WD\d{2}CD)$", re.I),
    "ward_name": re.compile(r"^(ward_name|WD\d{2}NM)$", re.I),
    "lad_code": re.compile(r"^(lad_code|LAD\d{2}CD)$", re.I),
    "lad_name": re.compile(r"^(lad_name|LAD\d{2}NM)$", re.I),
}

# Areas below these are rounding noise from generalisation, not real overlaps or gaps.
OVERLAP_TOLERANCE_M2 = 1.0
GAP_TOLERANCE_M2 = 1.0
# Map copies of the boundaries are simplified to this many metres.
SIMPLIFY_TOLERANCE_M = 15.0


class WardFileError(Exception):
    """A ward boundary file that cannot be used, with the reason."""


def slugify(text: str) -> str:
    """Return a lowercase ASCII slug ('Humberstone & Hamilton' -> 'humberstone-and-hamilton')."""
    text = text.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _find_column(columns, key: str) -> str | None:
    matches = sorted(c for c in columns if _ONS_COLUMNS[key].match(str(c)))
    # Prefer the newest year when a file carries several (WD24CD and WD25CD).
    return matches[-1] if matches else None


def normalise_ward_file(path: str | Path, lad_code: str, lookup: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read any ONS ward boundary file and return one local authority's wards.

    The result has columns ward_code, ward_name, lad_code, lad_name, geometry, is in
    EPSG:4326 and is sorted by ward_code. ONS ward files that carry no local-authority column
    need `lookup`: a ward-to-LAD lookup CSV with WDyyCD and LADyyCD columns.
    """
    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise WardFileError(f"cannot read {path}: {exc}") from None
    if frame.crs is None:
        raise WardFileError(f"{path} declares no coordinate reference system; say which it is in the file")
    code_col = _find_column(frame.columns, "ward_code")
    name_col = _find_column(frame.columns, "ward_name")
    if not code_col or not name_col:
        raise WardFileError(
            f"{path} has no ward code and name columns (looked for WDyyCD/WDyyNM or "
            f"ward_code/ward_name; found {', '.join(map(str, frame.columns))})"
        )
    lad_col = _find_column(frame.columns, "lad_code")
    lad_name_col = _find_column(frame.columns, "lad_name")
    if lad_col is None:
        if lookup is None:
            raise WardFileError(
                f"{path} has no local-authority column (LADyyCD); pass a ward-to-LAD lookup CSV"
            )
        table = pd.read_csv(lookup, dtype=str)
        l_code, l_ward = _find_column(table.columns, "lad_code"), _find_column(table.columns, "ward_code")
        if not l_code or not l_ward:
            raise WardFileError(f"lookup {lookup} needs WDyyCD and LADyyCD columns")
        l_name = _find_column(table.columns, "lad_name")
        table = table.drop_duplicates(l_ward).set_index(l_ward)
        frame["lad_code"] = frame[code_col].map(table[l_code])
        frame["lad_name"] = frame[code_col].map(table[l_name]) if l_name else ""
        lad_col, lad_name_col = "lad_code", "lad_name"
    frame = frame[frame[lad_col] == lad_code]
    if frame.empty:
        raise WardFileError(f"{path} has no wards in local authority {lad_code}")
    out = gpd.GeoDataFrame(
        {
            "ward_code": frame[code_col].astype(str).str.strip(),
            "ward_name": frame[name_col].astype(str).str.strip(),
            "lad_code": frame[lad_col].astype(str),
            "lad_name": frame[lad_name_col].astype(str) if lad_name_col else "",
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    ).to_crs(WGS84)
    duplicated = out["ward_code"][out["ward_code"].duplicated()].tolist()
    if duplicated:
        raise WardFileError(f"{path} lists these ward codes more than once: {', '.join(duplicated)}")
    return out.sort_values("ward_code").reset_index(drop=True)


@dataclass
class WardChecks:
    count: int
    area_km2: float
    invalid: list[str] = field(default_factory=list)
    overlaps: list[tuple[str, str, float]] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.invalid and not self.overlaps and not self.gaps

    def lines(self) -> list[str]:
        """Describe the checks in plain sentences."""
        out = [f"{self.count} wards, {self.area_km2:.2f} km² in all"]
        out += [f"invalid geometry (repaired): {w}" for w in self.invalid]
        out += [f"overlap of {a:.0f} m² between {x} and {y}" for x, y, a in self.overlaps]
        out += [f"gap of {a:.0f} m² inside the area, covered by no ward" for a in self.gaps]
        if self.ok:
            out.append("all valid, no overlaps, no gaps")
        return out


def check_wards(wards: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, WardChecks]:
    """Repair invalid geometries and report invalid shapes, overlaps and gaps (in metres)."""
    wards = wards.copy()
    invalid = ~wards.geometry.is_valid
    names = [f"{c} {n}" for c, n in zip(wards["ward_code"], wards["ward_name"])]
    invalid_names = [names[i] for i in np.flatnonzero(invalid.to_numpy())]
    if invalid.any():
        wards.loc[invalid, "geometry"] = wards.geometry[invalid].make_valid()
    metric = wards.to_crs(BNG)
    geoms = metric.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    overlaps = []
    for i, j in zip(left, right):
        if i < j:
            area = shapely.intersection(geoms[i], geoms[j]).area
            if area > OVERLAP_TOLERANCE_M2:
                overlaps.append((names[i], names[j], float(area)))
    union = shapely.union_all(geoms)
    gaps = []
    for polygon in getattr(union, "geoms", [union]):
        for ring in polygon.interiors:
            area = shapely.Polygon(ring).area
            if area > GAP_TOLERANCE_M2:
                gaps.append(float(area))
    checks = WardChecks(len(wards), float(union.area) / 1e6, invalid_names, overlaps, gaps)
    return wards, checks


def write_wards(wards: gpd.GeoDataFrame, out_dir: str | Path) -> list[Path]:
    """Write the wards and their dissolved outline as GeoJSON (EPSG:4326) into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wards = wards.to_crs(WGS84)
    paths = [out_dir / WARDS_FILE, out_dir / OUTLINE_FILE]
    _write_geojson(wards, paths[0])
    outline = gpd.GeoDataFrame(
        {"lad_code": [wards["lad_code"].iloc[0]], "lad_name": [wards["lad_name"].iloc[0]]},
        geometry=[shapely.union_all(wards.to_crs(BNG).geometry.to_numpy())],
        crs=BNG,
    ).to_crs(WGS84)
    _write_geojson(outline, paths[1])
    return paths


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    # Six decimal places of a degree is about 10 cm: plenty, and a much smaller file.
    frame = frame.set_geometry(shapely.set_precision(frame.geometry.values, 1e-6))
    text = frame.to_json(drop_id=True, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def load_wards(wards_dir: str | Path) -> gpd.GeoDataFrame:
    """Read the project's ward file (written by write_wards), sorted by ward_code."""
    path = Path(wards_dir) / WARDS_FILE
    if not path.exists():
        raise WardFileError(f"no ward boundaries at {path}; make them with scripts/import_wards.py")
    wards = gpd.read_file(path)
    if wards.crs is None or not wards.crs.equals(WGS84):
        raise WardFileError(f"{path} must be in EPSG:4326")
    wards["slug"] = wards["ward_name"].map(slugify)
    return wards.sort_values("ward_code").reset_index(drop=True)


def simplified_geometries(wards: gpd.GeoDataFrame, tolerance_m: float = SIMPLIFY_TOLERANCE_M):
    """Return map-weight copies of the ward shapes in EPSG:4326, shared edges kept shared."""
    metric = wards.to_crs(BNG).geometry.to_numpy()
    simple = gpd.GeoSeries(shapely.coverage_simplify(metric, tolerance_m), crs=BNG).to_crs(WGS84)
    return gpd.GeoSeries(shapely.set_precision(simple.values, 1e-6), crs=WGS84)


@dataclass
class WardAssignment:
    """Per point: its ward (or None), and for points outside every ward the nearest one."""

    ward_code: np.ndarray
    outside: np.ndarray
    nearest_code: np.ndarray
    nearest_distance_m: np.ndarray


def assign_wards(wards: gpd.GeoDataFrame, eastings, northings, crs=BNG) -> WardAssignment:
    """Place points (projected metres in `crs`) in wards.

    A point on a boundary between wards, or on a corner shared by several, goes to the ward
    with the lowest ward_code, so every point inside the area gets exactly one ward. A point
    outside every ward is flagged with the nearest ward and its distance in metres.
    """
    eastings = np.asarray(eastings, dtype=float)
    northings = np.asarray(northings, dtype=float)
    n = len(eastings)
    points = gpd.GeoDataFrame(
        {"point": np.arange(n)}, geometry=gpd.points_from_xy(eastings, northings), crs=crs
    )
    polygons = wards[["ward_code", "geometry"]].to_crs(points.crs)
    assert points.crs.equals(polygons.crs), "points and wards must share a CRS"
    if not points.crs.is_projected:
        raise ValueError("ward assignment needs a projected CRS (metres)")
    point_index, ward_index = polygons.sindex.query(points.geometry, predicate="intersects")
    codes = polygons["ward_code"].to_numpy()
    # Several hits for one point mean it lies on a boundary: keep the lowest ward code.
    order = np.lexsort((codes[ward_index], point_index))
    point_index, ward_index = point_index[order], ward_index[order]
    first = np.unique(point_index, return_index=True)[1]
    ward_code = np.full(n, None, dtype=object)
    ward_code[point_index[first]] = codes[ward_index[first]]
    outside = np.array([c is None for c in ward_code], dtype=bool)
    nearest = np.full(n, None, dtype=object)
    distance = np.full(n, np.nan)
    if outside.any():
        far = points[outside]
        near = gpd.sjoin_nearest(far, polygons, how="inner", distance_col="distance")
        near = near.sort_values(["point", "ward_code"]).drop_duplicates("point")
        nearest[near["point"].to_numpy()] = near["ward_code"].to_numpy()
        distance[near["point"].to_numpy()] = near["distance"].to_numpy()
    return WardAssignment(ward_code, outside, nearest, distance)
