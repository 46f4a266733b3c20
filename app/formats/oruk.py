"""Open Referral UK 3.0 (HSDS-UK 3.0): our public listings as services, locations, schedules and a
taxonomy, and an ORUK feed's services back as rows of the asset CSV contract (for the import preview).

Only public fields of public listings come in (the callers pass what app.assets.search returns:
get_asset/hydrate have already blanked private addresses and left out hidden, closed and deleted
listings). Optional fields with no value are left out, never written as null or "".

Ids: every id is a UUID 5 of the installation's namespace and what it names ("service/<our id>").
The namespace is itself uuid5(NAMESPACE_URL, the ONS linked-data URI of the area's local
authority, from `lad_code` in area.toml): each council's install gets its own ids with nothing new
to configure, and the same ones on every rebuild.
"""
from __future__ import annotations

import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

from app.assets.record import CATEGORIES, category_slug
from app.assets.schedule import RFC_DAYS, ScheduleError, Session, format_schedule, parse_schedule
from app.assets.search import is_free, split_list
from app.config import Area

VERSION = "HSDS-UK-3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile"
STANDARD_DIR = Path(__file__).resolve().parent.parent / "standards" / "oruk-3.0"
ONS_GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"

# Our statuses as HSDS service statuses (only public ones are ever published), and back.
STATUS_OUT = {"open": "active", "temporarily_closed": "temporarily closed"}
STATUS_IN = {"active": "open", "temporarily closed": "temporarily_closed", "inactive": "closed", "defunct": "closed"}


def namespace(area: Area) -> uuid.UUID:
    """Return this installation's UUID namespace (from its local authority's code)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, ONS_GEOGRAPHY + area.lad_code)


def make_id(ns: uuid.UUID, kind: str, *parts: object) -> str:
    """Return the stable UUID of one thing we publish, e.g. make_id(ns, "service", "belgrave-library")."""
    return str(uuid.uuid5(ns, "/".join((kind, *(str(p) for p in parts)))))


def page_envelope(items: list, total: int, page: int, per_page: int) -> dict:
    """The Page envelope of the UK profile around one page of contents."""
    pages = math.ceil(total / per_page) if per_page else 1
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": len(items),
            "first_page": page == 1, "last_page": page >= pages, "empty": not items, "contents": items}


def _clean(data: dict) -> dict:
    """Drop the fields with no value: the standard wants them left out, never null or ""."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


# --- The taxonomy: our categories --------------------------------------------------------------

def taxonomy(area: Area) -> dict:
    ns = namespace(area)
    return {"id": make_id(ns, "taxonomy", "categories"), "name": f"{area.name} community asset map categories",
            "description": f"The kinds of place and activity the {area.name} community asset map lists.",
            "version": "1"}


def taxonomy_terms(area: Area) -> list[dict]:
    """Every category as a term of our one taxonomy, in the order the site lists them."""
    ns = namespace(area)
    tax = taxonomy(area)
    return [{"id": make_id(ns, "taxonomy_term", slug), "name": label,
             "description": f"Listings in the category “{label}”.", "taxonomy": tax["name"],
             "taxonomy_id": tax["id"], "term": slug} for slug, label in CATEGORIES.items()]


def term_ids(area: Area) -> dict[str, str]:
    """Return each term's id -> its category slug."""
    return {term["id"]: term["term"] for term in taxonomy_terms(area)}


# --- Schedules ---------------------------------------------------------------------------------

def schedule_fields(session: Session) -> dict:
    """Return one session's HSDS recurrence fields (HSDS has WEEKLY and MONTHLY; DAILY is written as WEEKLY
    on its days). Closures have no HSDS field: they are in `description`, our own words for the session."""
    freq, days = session.freq, session.byday
    if freq == "DAILY":
        freq, days = "WEEKLY", tuple((d, None) for d in session.days)
    return _clean({
        "freq": freq, "interval": session.interval,
        "byday": ",".join(f"{'' if n is None else n}{RFC_DAYS[d]}" for d, n in days),
        "bymonthday": ",".join(str(n) for n in session.monthdays),
        "opens_at": session.start, "closes_at": session.end,
        "valid_from": session.valid_from and session.valid_from.isoformat(),
        "valid_to": session.valid_to and session.valid_to.isoformat(),
        "description": session.as_text(),
    })


def session_from_fields(fields: Mapping) -> Session:
    """Read one HSDS schedule back as a session; raise ScheduleError if it cannot be read.

    The recurrence fields are the truth. Our own feed's `description` also names closures: they are
    kept when the description describes the same session.
    """
    freq = str(fields.get("freq") or "WEEKLY").upper()
    if freq not in ("WEEKLY", "MONTHLY"):
        raise ScheduleError(f"freq '{freq}' is not WEEKLY or MONTHLY")
    weekdays, nths = set(), set()
    for part in filter(None, (p.strip().upper() for p in str(fields.get("byday") or "").split(","))):
        match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", part)
        if not match:
            raise ScheduleError(f"byday '{part}' is not a day such as MO or 2TU")
        weekdays.add(RFC_DAYS.index(match.group(2)))
        if match.group(1):
            nths.add(int(match.group(1)))
    try:
        monthdays = tuple(int(p) for p in str(fields.get("bymonthday") or "").split(",") if p.strip())
        interval = int(fields.get("interval") or 1)
        valid_from = date.fromisoformat(fields["valid_from"]) if fields.get("valid_from") else None
        valid_to = date.fromisoformat(fields["valid_to"]) if fields.get("valid_to") else None
    except ValueError as exc:
        raise ScheduleError(f"a schedule field cannot be read: {exc}") from None
    start, end = (_hhmm(fields.get(k)) for k in ("opens_at", "closes_at"))
    if not weekdays and not monthdays:
        raise ScheduleError("a schedule names no day (byday or bymonthday)")
    if freq == "WEEKLY" and interval == 1 and weekdays == set(range(7)):
        freq, weekdays = "DAILY", set()
    elif freq == "WEEKLY" and nths:
        freq = "MONTHLY"
    session = Session(freq, tuple(sorted(weekdays)), tuple(sorted(nths, key=lambda n: n if n > 0 else 99)),
                      monthdays, interval, start, end, valid_from, valid_to)
    # Closures: read from our own words, only when those words say the same session otherwise.
    try:
        described = parse_schedule(str(fields.get("description") or ""))
    except ScheduleError:
        described = ()
    if len(described) == 1 and replace(described[0], exdates=()) == session:
        return described[0]
    return session


def _hhmm(value) -> str | None:
    if not value:
        return None
    match = re.match(r"(\d{1,2}):(\d{2})", str(value))
    if not match:
        raise ScheduleError(f"time '{value}' is not HH:MM")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


# --- Listings as services ----------------------------------------------------------------------

def _address(asset: Mapping, lad_name: str | None) -> dict | None:
    """The postal address of a placed listing, or None when we do not hold one to publish.

    We hold one line of address text ("2 Knighton Lane East, Leicester"); its last part is the
    town. The county (required by HSDS) is the local authority of the listing's ward.
    """
    text, postcode = asset.get("address"), asset.get("postcode")
    if not text or not postcode or not lad_name:
        return None
    first, comma, town = (part.strip() for part in text.rpartition(","))
    if not (comma and first and town):
        first, town = text.strip(), lad_name
    return {"address_1": first, "city": town, "state_province": lad_name, "postal_code": postcode,
            "country": "GB", "address_type": "physical"}


def location(asset: Mapping, ns: uuid.UUID, lad_name: str | None) -> dict:
    """Where a listing is. A listing known only to its ward (a private address, or never placed)
    gets a location with the ward's name and no point or address: never a made-up one."""
    location_id = make_id(ns, "location", asset["id"])
    ward_only = asset.get("location_precision") == "ward" or asset.get("lat") is None
    data = {"id": location_id, "location_type": "physical"}
    if ward_only:
        data["name"] = f"{asset['ward_name']} ward" if asset.get("ward_name") else asset["name"]
        data["description"] = "Known to ward level only: no address or map position is published."
    else:
        data.update(name=asset["name"], latitude=asset.get("lat"), longitude=asset.get("lon"))
        address = _address(asset, lad_name)
        if address:
            data["addresses"] = [{"id": make_id(ns, "address", asset["id"]), "location_id": location_id, **address}]
    data["accessibility"] = [{"id": make_id(ns, "accessibility", asset["id"], i), "location_id": location_id,
                              "description": item} for i, item in enumerate(split_list(asset.get("accessibility")))]
    return _clean(data)


def service_summary(asset: Mapping, area: Area) -> dict:
    """A service's one-to-one fields (what the /services list shows)."""
    ns = namespace(area)
    return _clean({
        "id": make_id(ns, "service", asset["id"]), "name": asset["name"], "description": asset.get("description"),
        "url": asset.get("website"), "email": asset.get("contact_email"),
        "status": STATUS_OUT[asset["status"]], "assured_date": asset.get("last_verified"),
    })


def service_at_location(asset: Mapping, area: Area, lad_name: str | None) -> dict:
    """A listing's one place (what the /service_at_locations list shows), with its service's one-to-one fields."""
    ns = namespace(area)
    place = location(asset, ns, lad_name)
    place.pop("accessibility", None)
    place.pop("addresses", None)
    summary = service_summary(asset, area)
    return {"id": make_id(ns, "service_at_location", asset["id"]), "service_id": summary["id"],
            "location_id": place["id"], "location": place, "service": summary}


def service(asset: Mapping, area: Area, lad_name: str | None) -> dict:
    """A listing as a fully nested HSDS service."""
    ns = namespace(area)
    data = service_summary(asset, area)
    service_id = data["id"]
    data["schedules"] = [{"id": make_id(ns, "schedule", asset["id"], i), "service_id": service_id,
                          **schedule_fields(Session.from_dict(s))} for i, s in enumerate(asset.get("sessions") or ())]
    if asset.get("ward_code"):
        data["service_areas"] = [{"id": make_id(ns, "service_area", asset["id"]), "service_id": service_id,
                                  "name": asset["ward_name"], "extent_type": "ward",
                                  "uri": ONS_GEOGRAPHY + asset["ward_code"]}]
    place = location(asset, ns, lad_name)
    data["service_at_locations"] = [{"id": make_id(ns, "service_at_location", asset["id"]), "service_id": service_id,
                                     "location_id": place["id"], "location": place}]
    data["languages"] = [{"id": make_id(ns, "language", asset["id"], i), "service_id": service_id, "name": name}
                         for i, name in enumerate(split_list(asset.get("languages")))]
    if asset.get("cost"):
        cost = {"id": make_id(ns, "cost_option", asset["id"]), "service_id": service_id,
                "amount_description": asset["cost"]}
        if is_free(asset["cost"]):
            cost["amount"] = 0
        data["cost_options"] = [cost]
    if asset.get("contact_phone") or asset.get("contact_email"):
        # The listing's own public contact (as printed on its poster or website); never a resident's.
        contact_id = make_id(ns, "contact", asset["id"])
        contact = {"id": contact_id, "service_id": service_id, "email": asset.get("contact_email")}
        if asset.get("contact_phone"):
            contact["phones"] = [{"id": make_id(ns, "phone", asset["id"]), "contact_id": contact_id,
                                  "number": asset["contact_phone"]}]
        data["contacts"] = [_clean(contact)]
    term = next(t for t in taxonomy_terms(area) if t["term"] == asset["category"])
    data["attributes"] = [{"id": make_id(ns, "attribute", asset["id"], asset["category"]), "link_id": service_id,
                           "link_type": "service", "taxonomy_term_id": term["id"], "taxonomy_term": term}]
    return _clean(data)


# --- A feed's services back as rows of the asset CSV contract --------------------------------

class FeedError(ValueError):
    """A feed that cannot be read as ORUK 3.0."""


def _category(service_data: Mapping) -> str:
    """Our category slug from a service's taxonomy terms, else the first term's name (for the area's
    spreadsheet words, or a clear rejection in the preview)."""
    names = []
    for attribute in service_data.get("attributes") or ():
        term = attribute.get("taxonomy_term") or {}
        for word in (term.get("term"), term.get("name"), term.get("code")):
            if word and category_slug(str(word)):
                return category_slug(str(word))
        if term.get("name"):
            names.append(str(term["name"]))
    return names[0] if names else ""


def service_row(service_data: Mapping) -> dict[str, str]:
    """Turn one fully nested ORUK service into a row of the asset CSV contract (strings; "" for none)."""
    if not isinstance(service_data, Mapping) or not service_data.get("name"):
        raise FeedError("a service has no name")
    row = {"name": str(service_data["name"]), "category": _category(service_data),
           "description": str(service_data.get("description") or ""), "website": str(service_data.get("url") or ""),
           "contact_email": str(service_data.get("email") or ""), "last_verified": str(service_data.get("assured_date") or "")}
    places = [sal.get("location") or {} for sal in service_data.get("service_at_locations") or ()]
    place = places[0] if places else {}
    addresses = [a for a in place.get("addresses") or () if a.get("address_type", "physical") == "physical"]
    if addresses and addresses[0].get("postal_code"):
        address = addresses[0]
        first, town = str(address.get("address_1") or ""), str(address.get("city") or "")
        row["address"] = f"{first}, {town}" if town else first
        row["postcode"] = str(address["postal_code"])
    elif place.get("latitude") is not None and place.get("longitude") is not None:
        row["lat"], row["lon"] = str(place["latitude"]), str(place["longitude"])
    areas = service_data.get("service_areas") or ()
    if areas and areas[0].get("name"):
        row["ward"] = str(areas[0]["name"])
    if "postcode" not in row and "lat" not in row and row.get("ward"):
        row["location_precision"] = "ward"
    row["accessibility"] = "; ".join(str(a["description"]) for a in place.get("accessibility") or ()
                                     if a.get("description"))
    row["languages"] = "; ".join(str(lang.get("name")) for lang in service_data.get("languages") or () if lang.get("name"))
    costs = service_data.get("cost_options") or ()
    if costs:
        cost = costs[0]
        if cost.get("amount_description"):
            row["cost"] = str(cost["amount_description"])
        elif cost.get("amount") is not None:
            row["cost"] = "Free" if float(cost["amount"]) == 0 else f"£{float(cost['amount']):.2f}"
    phones = [p.get("number") for c in service_data.get("contacts") or () for p in c.get("phones") or ()]
    phones += [p.get("number") for p in service_data.get("phones") or ()]
    row["contact_phone"] = str(next((p for p in phones if p), ""))
    if not row["contact_email"]:
        row["contact_email"] = str(next((c["email"] for c in service_data.get("contacts") or () if c.get("email")), ""))
    sessions = []
    for fields in service_data.get("schedules") or ():
        try:
            sessions.append(session_from_fields(fields))
        except ScheduleError as exc:
            raise FeedError(f"service '{row['name']}': {exc}") from None
    row["schedule"] = format_schedule(tuple(sessions)) if sessions else ""
    row["status"] = STATUS_IN.get(str(service_data.get("status") or "active"), "open")
    return row


def service_rows(services: Iterable[Mapping], source: str) -> list[dict[str, str]]:
    """Rows of the asset CSV contract for a feed's services, each naming the feed as its source."""
    rows = []
    for number, data in enumerate(services, 1):
        try:
            row = service_row(data)
        except FeedError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError):
            # A field of the wrong shape (a number where a list should be, text for an amount).
            name = data.get("name") if isinstance(data, Mapping) else None
            raise FeedError(f"service {number}{f' ({name})' if name else ''} is not in the ORUK 3.0 shape") from None
        row["source"] = source
        rows.append(row)
    return rows


# --- Reading a feed: over HTTP (page by page) or from a JSON file ------------------------------

MAX_PAGES = 10_000
FETCH_TIMEOUT_S = 30
FETCH_PER_PAGE = 100


def _get_json(url: str, timeout: float):
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "assetmap import-oruk"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise FeedError(f"{url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FeedError(f"could not reach {url}: {reason}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise FeedError(f"{url} did not answer with JSON") from None


def _services_url(url: str, timeout: float) -> str:
    """The /services address of a feed given by its base (…/openreferral/) or by /services itself."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FeedError(f"'{url}' is not an http:// or https:// address or a file")
    path = parts.path.rstrip("/")
    if path.endswith("/services"):
        return urllib.parse.urlunsplit(parts._replace(path=path, query=""))
    root = _get_json(url, timeout)
    if not isinstance(root, dict) or "version" not in root:
        raise FeedError(f"{url} is not the base of an Open Referral feed (no 'version'); give its /services address")
    return urllib.parse.urlunsplit(parts._replace(path=path + "/services", query=""))


def fetch_services(url: str, timeout: float = FETCH_TIMEOUT_S) -> list[dict]:
    """Read every service of a feed over HTTP: each page of /services, then each service fully nested
    (/services/{id}), as the list holds one-to-one fields only."""
    services_url = _services_url(url, timeout)
    services = []
    for page in range(1, MAX_PAGES + 1):
        data = _get_json(f"{services_url}?page={page}&per_page={FETCH_PER_PAGE}", timeout)
        if not isinstance(data, dict) or not isinstance(data.get("contents"), list):
            raise FeedError(f"{services_url} page {page} is not an Open Referral page (no 'contents' list)")
        for item in data["contents"]:
            if not isinstance(item, dict) or not item.get("id"):
                raise FeedError(f"{services_url} page {page} holds a service with no id")
            full = _get_json(f"{services_url}/{urllib.parse.quote(str(item['id']), safe='')}", timeout)
            if not isinstance(full, dict):
                raise FeedError(f"{services_url}/{item['id']} is not a service")
            services.append(full)
        pages = data.get("total_pages")
        if data.get("last_page") or not data["contents"] or not isinstance(pages, int) or page >= pages:
            return services
    raise FeedError(f"{services_url} has more than {MAX_PAGES} pages")


def load_services(path: str | Path) -> list[dict]:
    """Read services from a JSON file: one service, a list of them, or a page with `contents`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(f"could not read {path}: {exc}") from None
    except ValueError as exc:
        raise FeedError(f"{path} is not JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise FeedError(f"{path} holds neither a service, a list of services nor a page of them")
    return data


def read_services(source: str, timeout: float = FETCH_TIMEOUT_S) -> list[dict]:
    """Read a feed's services from an http(s) address or a JSON file."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I):
        return fetch_services(source, timeout)
    return load_services(source)
