"""How far a place is from each ward's boundary: for listings known only to their ward."""
from __future__ import annotations

import json
from types import MappingProxyType
from typing import Mapping

import numpy as np
import shapely
import sqlite_utils

from app.cache import LRUCache
from app.places.geocode import wgs84_to_bng
from app.store.connection import data_version

# Wards whose boundary starts this close to a resident are "nearby": about 25 minutes' easy walk.
NEARBY_WARD_M = 1500

_BOUNDARIES = LRUCache(4)


def _to_grid(lonlat: np.ndarray) -> np.ndarray:
    eastings, northings = wgs84_to_bng(lonlat[:, 1], lonlat[:, 0])
    return np.column_stack([eastings, northings])


def ward_boundaries(db: sqlite_utils.Database) -> Mapping[str, shapely.Geometry]:
    """Return each ward's simplified boundary in metres (British National Grid), kept per version of the data."""
    key = data_version(db)
    boundaries = _BOUNDARIES.get(key)
    if boundaries is None:
        found = {}
        for code, geometry in db.execute("select ward_code, geometry_simplified from wards"):
            shape = shapely.geometry.shape(json.loads(geometry))
            # 21 small polygons, once per database: re-projected point by point, no GIS stack per request.
            found[code] = shapely.transform(shape, _to_grid)
            shapely.prepare(found[code])
        boundaries = MappingProxyType(found)
        _BOUNDARIES.put(key, boundaries)
    return boundaries


def ward_distances(db: sqlite_utils.Database, easting: float, northing: float,
                   within_m: float = NEARBY_WARD_M) -> dict[str, float]:
    """Return the metres from a point to each ward whose boundary starts within `within_m` (0 inside it)."""
    boundaries = ward_boundaries(db)
    # All the wards in one call into GEOS: a call per ward cost more than the measuring.
    metres = shapely.distance(np.array(list(boundaries.values())), shapely.Point(easting, northing))
    return {code: float(m) for code, m in zip(boundaries, metres) if m <= within_m}
