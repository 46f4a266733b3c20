"""The neighbourhoods the gaps are measured in: LSOAs (2021) with their main ward, deprivation and
people aged 60+, and the live postcodes that stand for where those people live.

Read once per area setting and kept in memory: the files do not change while the site runs.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np

from app.config import Area, ConfigError, GapsSettings
from app.places.geocode import BNG, WGS84, area_postcodes

# A live postcode whose centre lies just outside every LSOA (the LSOA and postcode files are
# generalised separately) is given to the nearest LSOA if it is within this distance.
NEAREST_LSOA_M = 200


class GapsDataError(ConfigError):
    """The LSOA or deprivation file is missing, unreadable or does not match the other."""


@dataclass(frozen=True)
class Neighbourhoods:
    """LSOAs in code order, and the postcodes (with weights) that stand for their residents."""

    codes: tuple[str, ...]            # LSOA21CD
    names: tuple[str, ...]            # LSOA21NM ("Leicester 008A")
    ward_codes: tuple[str, ...]       # the ward holding most of the LSOA's area
    ward_names: tuple[str, ...]
    idaopi_decile: np.ndarray         # 1 = most deprived 10 % of England for older people's income
    idaopi_score: np.ndarray          # share of people aged 60+ who are income-deprived
    older: np.ndarray                 # people aged 60+, mid-2022
    geometries: tuple[dict, ...]      # GeoJSON geometry (EPSG:4326) of each LSOA, for maps
    postcodes: tuple[str, ...]        # live postcodes placed in an LSOA; "" for an LSOA's stand-in point
    easting: np.ndarray               # where each postcode is (EPSG:27700)
    northing: np.ndarray
    lsoa: np.ndarray                  # position in codes of each postcode's LSOA
    weight: np.ndarray                # 60+ residents each postcode stands for: the LSOA's total shared equally
    dropped_postcodes: int            # live postcodes outside every LSOA (not counted)
    stand_ins: tuple[str, ...]        # LSOAs with no live postcode, measured from a point inside them

    def __len__(self) -> int:
        return len(self.codes)


def share_population(lsoa: np.ndarray, older: np.ndarray) -> np.ndarray:
    """Share each LSOA's 60+ population equally across its postcodes (an approximation: see README)."""
    counts = np.bincount(lsoa, minlength=len(older))
    return older[lsoa] / counts[lsoa]


def build_neighbourhoods(boundaries: gpd.GeoDataFrame, deprivation: list[dict], postcodes: list[str],
                         easting: np.ndarray, northing: np.ndarray) -> Neighbourhoods:
    """Join LSOA polygons (any CRS) to their deprivation rows and place the postcodes (EPSG:27700) in them.

    boundaries needs LSOA21CD, LSOA21NM, WD25CD, WD25NM; deprivation rows need LSOA21CD, idaopi_decile,
    idaopi_score and pop_60plus_mid2022. Each LSOA with no postcode in it is measured from one point
    inside it (shapely's representative point), so its residents are still counted.
    """
    boundaries = boundaries.sort_values("LSOA21CD").reset_index(drop=True)
    codes = tuple(str(c) for c in boundaries["LSOA21CD"])
    if len(set(codes)) != len(codes):
        raise GapsDataError("the LSOA boundaries name an LSOA more than once")
    rows = {row["LSOA21CD"]: row for row in deprivation}
    missing = [c for c in codes if c not in rows]
    if missing or len(rows) != len(codes):
        extra = sorted(set(rows) - set(codes))
        raise GapsDataError("the LSOA boundaries and the deprivation file do not hold the same LSOAs "
                            f"(no deprivation for {', '.join(missing[:5]) or 'none'}; "
                            f"no boundary for {', '.join(extra[:5]) or 'none'})")
    try:
        decile = np.array([int(rows[c]["idaopi_decile"]) for c in codes], dtype=np.int64)
        score = np.array([float(rows[c]["idaopi_score"]) for c in codes], dtype=np.float64)
        older = np.array([int(rows[c]["pop_60plus_mid2022"]) for c in codes], dtype=np.float64)
    except (KeyError, ValueError) as exc:
        raise GapsDataError(f"the deprivation file has a missing or unreadable figure: {exc}") from None
    grid = boundaries.to_crs(BNG)
    points = gpd.GeoDataFrame({"postcode": postcodes},
                              geometry=gpd.points_from_xy(easting, northing), crs=BNG)
    joined = gpd.sjoin_nearest(points, grid[["geometry"]], how="left", max_distance=NEAREST_LSOA_M)
    # A point on a shared edge matches two LSOAs: keep its first.
    joined = joined[~joined.index.duplicated(keep="first")]
    placed = joined["index_right"].notna().to_numpy()
    lsoa = joined["index_right"].to_numpy()[placed].astype(np.int64)
    pc_easting = np.asarray(easting, dtype=np.float64)[placed]
    pc_northing = np.asarray(northing, dtype=np.float64)[placed]
    kept = [p for p, keep in zip(postcodes, placed) if keep]
    empty = np.flatnonzero(np.bincount(lsoa, minlength=len(codes)) == 0)
    if len(empty):
        inside = grid.geometry.iloc[empty].representative_point()
        pc_easting = np.concatenate([pc_easting, inside.x.to_numpy()])
        pc_northing = np.concatenate([pc_northing, inside.y.to_numpy()])
        lsoa = np.concatenate([lsoa, empty])
        kept += [""] * len(empty)
    shapes = json.loads(boundaries.to_crs(WGS84)[["geometry"]].to_json(drop_id=True))
    read_only = _read_only
    return Neighbourhoods(
        codes=codes, names=tuple(str(n) for n in boundaries["LSOA21NM"]),
        ward_codes=tuple(str(w) for w in boundaries["WD25CD"]),
        ward_names=tuple(str(w) for w in boundaries["WD25NM"]),
        idaopi_decile=read_only(decile), idaopi_score=read_only(score), older=read_only(older),
        geometries=tuple(f["geometry"] for f in shapes["features"]),
        postcodes=tuple(kept), easting=read_only(pc_easting), northing=read_only(pc_northing),
        lsoa=read_only(lsoa), weight=read_only(share_population(lsoa, older)),
        dropped_postcodes=int((~placed).sum()), stand_ins=tuple(codes[i] for i in empty))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def live_postcodes(area: Area) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the area's live postcodes with a grid reference, and where each is (EPSG:27700).

    The ONS directory bundled with the app has no termination dates and no residential flag:
    live means on the area's live postcode list (Code-Point Open) when it has one, otherwise every
    postcode the directory places in the local authority. Business postcodes cannot be told apart.
    """
    live = None
    if area.live_postcodes is not None:
        with open(area.live_postcodes, encoding="utf-8-sig", newline="") as handle:
            live = {row["pcd"].replace(" ", "").upper() for row in csv.DictReader(handle)}
    names, eastings, northings = [], [], []
    for letters in area.postcode_areas:
        for compact, (e, n, lad) in area_postcodes(letters).items():
            if lad != area.lad_code or e != e or n != n:  # another authority, or no grid reference
                continue
            if live is not None and compact not in live:
                continue
            names.append(f"{compact[:-3]} {compact[-3:]}")
            eastings.append(e)
            northings.append(n)
    order = np.argsort(names, kind="stable")
    return ([names[i] for i in order], np.asarray(eastings, dtype=np.float64)[order],
            np.asarray(northings, dtype=np.float64)[order])


def read_deprivation(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise GapsDataError(f"cannot read the deprivation file {path}: {exc.strerror}") from None


@lru_cache(maxsize=4)
def _load(settings: GapsSettings, area: Area) -> Neighbourhoods:
    if settings.lsoa_boundaries is None or settings.deprivation is None:
        raise GapsDataError("this area has no LSOA boundaries or deprivation file: set lsoa_boundaries and "
                            "deprivation under [gaps] in its area file")
    try:
        boundaries = gpd.read_file(settings.lsoa_boundaries)
    except Exception as exc:  # pyogrio raises its own errors for a missing or broken file
        raise GapsDataError(f"cannot read the LSOA boundaries {settings.lsoa_boundaries}: {exc}") from None
    return build_neighbourhoods(boundaries, read_deprivation(settings.deprivation), *live_postcodes(area))


def neighbourhoods(area: Area) -> Neighbourhoods:
    """Return the area's LSOAs and postcodes, read once."""
    return _load(area.gaps, area)
