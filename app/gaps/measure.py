"""Where are the gaps? How far older residents live from the nearest listing of each kind, per LSOA and ward.

Two steps, each cached per version of the data:
1. walk: for every postcode, the minutes to the nearest listing of each category and of any activity
   (one vectorised nearest-neighbour query per category; nearest_metres is the only distance code);
2. summarise: for a threshold, the residents aged 60+ further than it, per LSOA and per ward.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping

import numpy as np
from scipy.spatial import cKDTree

from app.assets.index import AssetIndex
from app.assets.record import CATEGORIES
from app.assets.search import ROUTE_FACTOR, SERVICE_CATEGORIES, WALKING_METRES_PER_MINUTE
from app.cache import LRUCache
from app.config import GapsSettings
from app.gaps.areas import Neighbourhoods

ANY = "any"
# "Any activity" is the things to do, as residents' search shows them: not GP practices or advice services.
ACTIVITY_CATEGORIES = tuple(c for c in CATEGORIES if c not in SERVICE_CATEGORIES)
MEASURES = (ANY, *CATEGORIES)


def measure_label(key: str) -> str:
    return "Any activity" if key == ANY else CATEGORIES[key]


@dataclass(frozen=True)
class Listings:
    """The listings that can be measured from (a point on the map), and those per ward that cannot."""

    easting: np.ndarray
    northing: np.ndarray
    category: tuple[str, ...]
    not_on_map: Mapping  # ward code -> activities known only by their ward or at a private address
    name: tuple[str, ...] = ()
    lat: np.ndarray | None = None  # for maps
    lon: np.ndarray | None = None  # ward code -> activities known only by their ward or at a private address


def listings_from_index(index: AssetIndex) -> Listings:
    """Take the public listings with a pin from the index; count the others per ward, never at its centre."""
    precision = np.array([row[6] for row in index.rows], dtype=object)
    category = [row[2] for row in index.rows]
    pinned = np.isfinite(index.easting) & np.isfinite(index.northing) & (precision != "ward")
    counts: dict = {}
    for i in np.flatnonzero(~pinned):
        row = index.rows[i]
        if row[5] is not None and row[2] in ACTIVITY_CATEGORIES:
            counts[row[5]] = counts.get(row[5], 0) + 1
    keep = np.flatnonzero(pinned)
    return Listings(index.easting[keep], index.northing[keep], tuple(category[i] for i in keep),
                    MappingProxyType(counts), tuple(index.rows[i][1] for i in keep), index.lat[keep], index.lon[keep])


def nearest_metres(listing_xy: np.ndarray, postcode_xy: np.ndarray) -> np.ndarray:
    """Return, for each postcode point, the straight-line metres to the nearest listing point (inf if none).

    Points are (n, 2) arrays in metres (EPSG:27700). The straight-line distance; with a street
    network, postcode_minutes asks the network (app/walks/streets.py) instead.
    """
    if len(listing_xy) == 0:
        return np.full(len(postcode_xy), np.inf)
    distance, _ = cKDTree(listing_xy).query(postcode_xy, k=1)
    return distance


def walking_minutes_of(metres: np.ndarray) -> np.ndarray:
    """app.assets.search.walking_minutes for many distances at once: the same rule and rounding."""
    minutes = np.maximum(1, np.round(metres * ROUTE_FACTOR / WALKING_METRES_PER_MINUTE))
    return minutes  # inf stays inf: no listing of that kind at all


def postcode_minutes(places: Neighbourhoods, listings: Listings, network=None) -> Mapping:
    """Minutes from every postcode to the nearest listing of each measure (ANY and each category).

    With a street network (app/walks/streets.py, the one patch walks use), minutes are walked along
    its paths at the same pace; otherwise the straight line x 1.3, as residents are told.
    """
    postcode_xy = np.column_stack([places.easting, places.northing])
    listing_xy = np.column_stack([listings.easting, listings.northing])
    category = np.array(listings.category, dtype=object)
    out = {}
    for key in MEASURES:
        wanted = np.isin(category, ACTIVITY_CATEGORIES if key == ANY else (key,)) if len(category) else \
            np.zeros(0, dtype=bool)
        if network is not None:
            walked = network.nearest_metres(listing_xy[wanted], postcode_xy)
            minutes = np.maximum(1, np.round(walked / WALKING_METRES_PER_MINUTE))
        else:
            minutes = walking_minutes_of(nearest_metres(listing_xy[wanted], postcode_xy))
        minutes.flags.writeable = False
        out[key] = minutes
    return MappingProxyType(out)


@dataclass(frozen=True)
class AreaGap:
    """One LSOA's (or ward's) figures for one threshold."""

    code: str
    name: str
    ward_code: str
    ward_name: str
    older: float                       # people aged 60+
    far: Mapping                       # measure -> people aged 60+ more than the threshold's walk away
    idaopi_decile: int | None = None   # LSOAs only
    idaopi_score: float | None = None
    priority: bool = False
    typical_minutes: float | None = None  # the walk to any activity that half the 60+ are within
    lsoas: int = 0                     # wards only: how many LSOAs have this as main ward
    priority_lsoas: int = 0
    not_on_map: int = 0                # wards only: activities with no pin, not counted

    def share(self, key: str = ANY) -> float:
        return self.far[key] / self.older if self.older else 0.0


@dataclass(frozen=True)
class Gaps:
    minutes: int
    settings: GapsSettings
    lsoas: tuple[AreaGap, ...]
    wards: tuple[AreaGap, ...]
    listings: Listings
    places: Neighbourhoods
    along_streets: bool = False  # walked along the area's street network, not the straight line x 1.3

    def lsoa(self, code: str) -> AreaGap:
        return next(a for a in self.lsoas if a.code == code)

    def ward(self, code: str) -> AreaGap | None:
        return next((w for w in self.wards if w.ward_code == code), None)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float | None:
    if not len(values) or not np.isfinite(values).any():
        return None
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def summarise(places: Neighbourhoods, listings: Listings, minutes_by_measure: Mapping,
              settings: GapsSettings, minutes: int) -> Gaps:
    """Add up, per LSOA and ward, the 60+ residents whose postcode is more than `minutes` from each kind."""
    n = len(places)
    far = {key: np.bincount(places.lsoa, weights=places.weight * (m > minutes), minlength=n)
           for key, m in minutes_by_measure.items()}
    any_minutes = minutes_by_measure[ANY]
    lsoas = []
    for i, code in enumerate(places.codes):
        older = float(places.older[i])
        decile = int(places.idaopi_decile[i])
        share = far[ANY][i] / older if older else 0.0
        mine = places.lsoa == i
        lsoas.append(AreaGap(
            code, places.names[i], places.ward_codes[i], places.ward_names[i], older,
            MappingProxyType({key: float(far[key][i]) for key in far}), decile, float(places.idaopi_score[i]),
            priority=bool(decile in settings.priority_deciles and share >= settings.large_share),
            typical_minutes=_weighted_median(any_minutes[mine], places.weight[mine])))
    wards = {}
    for lsoa in lsoas:
        wards.setdefault((lsoa.ward_code, lsoa.ward_name), []).append(lsoa)
    ward_rows = tuple(
        AreaGap(code, name, code, name, sum(a.older for a in members),
                MappingProxyType({key: sum(a.far[key] for a in members) for key in far}),
                lsoas=len(members), priority_lsoas=int(sum(a.priority for a in members)),
                not_on_map=listings.not_on_map.get(code, 0))
        for (code, name), members in sorted(wards.items(), key=lambda item: item[0][1]))
    return Gaps(minutes, settings, tuple(lsoas), ward_rows, listings, places)


_WALKS = LRUCache(4)
_SUMMARIES = LRUCache(32)
_BUILDING = threading.Lock()


def gaps(db, area, minutes: int | None = None, network=None) -> Gaps:
    """Return the figures for the database's current listings, computed once per data version and threshold.

    `network` is the area's street network when one is built (then distances are walked along it).
    """
    from app.assets.index import asset_index
    from app.gaps.areas import neighbourhoods
    from app.store.connection import data_version

    minutes = area.gaps.minutes if minutes is None else minutes
    key = (data_version(db), area, getattr(network, "graph_path", None))
    found = _SUMMARIES.get((key, minutes))
    if found is not None:
        return found
    with _BUILDING:
        walks = _WALKS.get(key)
        if walks is None:
            places = neighbourhoods(area)
            listings = listings_from_index(asset_index(db))
            walks = (places, listings, postcode_minutes(places, listings, network))
            _WALKS.put(key, walks)
        found = replace(summarise(*walks, area.gaps, minutes), along_streets=network is not None)
        _SUMMARIES.put((key, minutes), found)
    return found
