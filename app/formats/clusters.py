"""Map points grouped per zoom level and view: the map downloads what it can show, not every listing."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A cluster is a square of about 60 screen pixels (a map tile is 256 pixels across). From
# SINGLE_ZOOM on, every listing in view comes as itself, so zooming always reaches each one.
CELL_PIXELS = 60
SINGLE_ZOOM = 16
MAX_ZOOM = 22


class ViewError(ValueError):
    """A bbox or zoom that cannot be a map view."""


@dataclass(frozen=True)
class View:
    west: float
    south: float
    east: float
    north: float
    zoom: int


def parse_view(bbox: str, zoom: str) -> View:
    """Read 'west,south,east,north' (degrees) and a whole zoom level; raise ViewError saying what is wrong."""
    try:
        west, south, east, north = (float(part) for part in bbox.split(","))
    except ValueError:
        raise ViewError("bbox must be four numbers: west,south,east,north (degrees)") from None
    if not all(np.isfinite((west, south, east, north))):
        raise ViewError("bbox must be four numbers: west,south,east,north (degrees)")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ViewError("bbox must have west < east within -180..180 and south < north within -90..90")
    try:
        level = int(zoom)
    except ValueError:
        raise ViewError(f"zoom must be a whole number from 0 to {MAX_ZOOM}") from None
    if not 0 <= level <= MAX_ZOOM:
        raise ViewError(f"zoom must be a whole number from 0 to {MAX_ZOOM}")
    return View(west, south, east, north, level)


@dataclass(frozen=True)
class Grouped:
    singles: np.ndarray      # indexes (into the given arrays) shown as themselves
    clusters: tuple          # (lon, lat, count, west, south, east, north) per cluster


def group(lon: np.ndarray, lat: np.ndarray, view: View) -> Grouped:
    """Group the points inside the view into grid cells for its zoom; a cell of one point stays a point.

    The grid is fixed to the world, not the view, so panning does not reshuffle the clusters.
    NaN coordinates (listings with no pin) are left out.
    """
    inside = np.flatnonzero((lon >= view.west) & (lon <= view.east) & (lat >= view.south) & (lat <= view.north))
    if view.zoom >= SINGLE_ZOOM or len(inside) == 0:
        return Grouped(inside, ())
    cell = 360 / 2 ** view.zoom * CELL_PIXELS / 256
    column = np.floor(lon[inside] / cell).astype(np.int64)
    row = np.floor(lat[inside] / cell).astype(np.int64)
    _, first, cell_of, counts = np.unique(column * 10_000_000 + row, return_index=True, return_inverse=True,
                                          return_counts=True)
    single_cells = counts == 1
    # Each cell's points side by side, so numpy reduces every cell at once.
    order = np.argsort(cell_of, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    xs, ys = lon[inside][order], lat[inside][order]
    mean_x, mean_y = np.add.reduceat(xs, starts) / counts, np.add.reduceat(ys, starts) / counts
    bounds = [np.minimum.reduceat(xs, starts), np.minimum.reduceat(ys, starts),
              np.maximum.reduceat(xs, starts), np.maximum.reduceat(ys, starts)]
    clusters = tuple((float(mean_x[c]), float(mean_y[c]), int(counts[c]), *(float(b[c]) for b in bounds))
                     for c in np.flatnonzero(~single_cells))
    return Grouped(np.sort(inside[first[single_cells]]), clusters)
