"""Turn a request's query string into a search Query, with a plain message for each bad value."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from app.web.i18n import gettext
from werkzeug.datastructures import MultiDict

from app import clock
from app.assets.record import CATEGORIES
from app.assets.search import MAX_RADIUS_M, Query
from app.places.locate import LocateError, Origin, from_coordinates, from_postcode, from_ward
from app.values import truthy

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_TEXT = 200
# C0 and C1 control characters (NUL, escape, DEL...): nobody means to search for them, and NUL
# ends a string early in SQLite's full-text query parser.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass
class Problem:
    field: str
    message: str
    suggestion: str | None = None  # a value to offer instead ("Did you mean LE5 5AA?")


@dataclass
class Parsed:
    query: Query
    problems: list[Problem] = field(default_factory=list)
    origin_text: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def locate_message(error: LocateError) -> str:
    """Say kindly why a starting point could not be used."""
    if error.reason == "malformed":
        return gettext("“%(text)s” does not look like a postcode. A postcode looks like %(example)s.", text=error.text,
                       example=current_app.config["AREA"].example_postcode)
    if error.reason == "unknown":
        return gettext("We could not find the postcode %(text)s. Please check it, or choose your ward instead.",
                       text=error.text)
    if error.reason == "outside":
        return gettext("The postcode %(text)s is outside %(area)s. This map only covers %(area)s: "
                       "please type a postcode there, or choose a ward.", text=error.text, area=error.detail)
    if error.reason == "no_location":
        return gettext("The postcode %(text)s is not linked to a place on the map. Please choose your ward instead.",
                       text=error.text)
    if error.reason == "unknown_ward":
        return gettext("We do not know a ward called “%(text)s”. Please choose one from the list.", text=error.text)
    return gettext("We could not use your location. Please type your postcode instead.")


def parse_filters(db, args: MultiDict, now: datetime, postcode_keys: tuple[str, ...] = ("postcode",)) -> Parsed:
    """Read the filters from a query string. Bad values are reported and left out, never raised."""
    problems: list[Problem] = []

    def text(key: str) -> str:
        value = _CONTROL.sub(" ", args.get(key) or "").strip()
        if len(value) > MAX_TEXT:
            problems.append(Problem(key, gettext("That is too long: %(max)d characters at most.", max=MAX_TEXT)))
            return ""
        return value

    origin: Origin | None = None
    ward_code = None
    postcode_key = next((k for k in postcode_keys if args.get(k)), postcode_keys[0])
    postcode = text(postcode_key)
    ward = text("ward")
    if postcode:
        try:
            origin = from_postcode(db, postcode, current_app.config["AREA"])
        except LocateError as exc:
            problems.append(Problem(postcode_key, locate_message(exc), exc.suggestion))
    elif args.get("lat") or args.get("lon"):
        try:
            origin = from_coordinates(db, args.get("lat"), args.get("lon"))
        except LocateError as exc:
            problems.append(Problem("location", locate_message(exc)))
    if ward:
        try:
            ward_origin = from_ward(db, ward)
        except LocateError as exc:
            problems.append(Problem("ward", locate_message(exc)))
        else:
            ward_code = ward_origin.ward_code
            origin = origin or ward_origin

    categories = []
    for name in args.getlist("category")[:len(CATEGORIES) + 1]:
        name = _CONTROL.sub(" ", name).strip()[:MAX_TEXT]
        if name and name not in CATEGORIES:
            problems.append(Problem("category", gettext("We do not have a category called “%(name)s”.", name=name)))
        elif name and name not in categories:
            categories.append(name)

    day = None
    day_text = text("day").lower()
    if day_text:
        if day_text[:3] in DAY_CODES:
            day = DAY_CODES.index(day_text[:3])
        else:
            problems.append(Problem("day", gettext("“%(text)s” is not a day of the week.", text=day_text)))

    radius = None
    radius_text = text("radius")
    if radius_text:
        try:
            radius = float(radius_text)
        except ValueError:
            radius = -1
        if not 0 < radius <= MAX_RADIUS_M:
            problems.append(Problem("radius", gettext("The distance must be between 1 and %(max)d metres.",
                                                      max=MAX_RADIUS_M)))
            radius = None
        elif origin is None:
            problems.append(Problem("radius", gettext("A distance needs a postcode or location to measure from.")))
            radius = None

    query = Query(
        q=text("q"),
        categories=tuple(categories),
        ward_code=ward_code,
        origin=origin,
        radius_m=radius,
        day=day,
        on_date=now.date() if truthy(args.get("today")) else None,
        at=now.replace(second=0, microsecond=0) if truthy(args.get("now")) else None,
        free=truthy(args.get("free")),
        access=tuple(a for a in (_CONTROL.sub(" ", a).strip() for a in args.getlist("access")) if a)[:10],
        language=text("language") or None,
        audience=text("audience") or None,
    )
    return Parsed(query, problems, postcode)


def local_now() -> datetime:
    """Return the area's local wall-clock time (naive), e.g. Europe/London for Leicester."""
    return clock.local_now(current_app.config["AREA"].timezone, current_app.config.get("NOW"))  # tests pin NOW


