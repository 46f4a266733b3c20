"""Trust a trader: tradespeople recommended by neighbours and checked by connectors.

A trader is public only when a connector has listed them, and only while they have at least one
approved recommendation and one check (both numbers configurable). Every check is shown with its
date and who made it; an expired insurance or a check over a year old is shown as such and sinks
the listing. Nothing a trader claims (a Gas Safe number, TrustMark) is shown as checked unless a
connector has checked it.
"""
from __future__ import annotations

import bisect
import json
import math
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlite_utils

from app import ratelimit
from app.accounts import User
from app.assets.record import N_
from app.clock import stamp
from app.places.wards import slugify
from app.store.connection import insert_row as _insert
from app.store.connection import transaction
from app.store.history import record as record_history
from app.values import truthy

TRADES = {
    "plumber": N_("Plumber"), "electrician": N_("Electrician"), "gas_engineer": N_("Gas engineer"),
    "heating": N_("Heating engineer"), "handyperson": N_("Handyperson"), "decorator": N_("Painter and decorator"),
    "carpenter": N_("Carpenter"), "builder": N_("Builder"), "roofer": N_("Roofer"), "locksmith": N_("Locksmith"),
    "gardener": N_("Gardener"), "window_cleaner": N_("Window cleaner"), "cleaner": N_("Cleaner"),
    "removals": N_("Removals"), "mobility_aid_repair": N_("Mobility aid repair"),
    "hearing_aid_repair": N_("Hearing aid repair"), "computer_help": N_("Computer and phone help"),
    "plasterer": N_("Plasterer"), "tiler": N_("Tiler"), "appliance_repair": N_("Appliance repair"),
    "flooring": N_("Flooring and carpets"), "pest_control": N_("Pest control"),
}
CHECKS = {
    "id_seen": N_("ID seen"), "address_confirmed": N_("Address confirmed"), "insurance_seen": N_("Insurance seen"),
    "registration_confirmed": N_("Registration confirmed"), "references_taken": N_("References taken"),
}
SCHEMES = {"gas_safe": "Gas Safe Register", "niceic": "NICEIC", "trustmark": "TrustMark",
           "buy_with_confidence": "Buy With Confidence"}
STATUSES = ("pending", "listed", "suspended", "removed")
CHECK_VALID_DAYS = 365
LIMITS = {"given_name": 40, "job": 200, "comments": 2000, "contact": 200, "reply": 2000}
# "How far" is said only in these bands (metres), measured to the middle of the ward a trader is
# based in: the base postcode is private, and exact figures from a few searches would give it away.
DISTANCE_BANDS = (2000, 5000)
# What residents may never see of a trader's base, even in data handed to a template.
PRIVATE_BASE = ("base_postcode", "base_lat", "base_lon", "base_easting", "base_northing")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


class TraderError(ValueError):
    """A change that was not made, with the reason."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass
class Standing:
    """What a resident should know about a trader's checks today."""

    recommended: int = 0          # approved recommendations, not counting "would not use again" reviews
    would_use_again: int = 0
    checks: int = 0
    last_checked: str | None = None
    insurance_expired: bool = False
    stale_checks: list[str] = field(default_factory=list)  # kinds whose latest check is over a year old

    @property
    def sinks(self) -> bool:
        return self.insurance_expired or bool(self.stale_checks)


def _loads(text: str | None, default):
    return json.loads(text) if text else default


def _record(db, trader_id: str, user: User, action: str, changes: list[tuple], note: str = "") -> None:
    record_history(db, "trader", trader_id, user.name, action, changes, note)


def _clean_areas(db, areas: list[str]) -> list[str]:
    """Ward codes, ward names or slugs, and postcode districts (LE5) → codes and districts."""
    wards = {r[0].casefold(): r[0] for r in db.execute("select ward_code from wards")}
    wards |= {r[1].casefold(): r[0] for r in db.execute("select ward_code, ward_name from wards")}
    wards |= {r[1]: r[0] for r in db.execute("select ward_code, slug from wards")}
    out = []
    for area in areas:
        key = area.strip()
        if not key:
            continue
        if key.casefold() in wards:
            out.append(wards[key.casefold()])
        elif _DISTRICT.match(key.upper().replace(" ", "")):
            out.append(key.upper().replace(" ", ""))
        else:
            raise TraderError("areas", f"'{key}' is neither a ward of this area nor a postcode district (the part of a "
                                        "postcode before the space)")
    return sorted(set(out))


def save_trader(db: sqlite_utils.Database, user: User, values: dict, trader_id: str | None = None) -> str:
    """Add or change a trader's details (not status, checks or recommendations)."""
    name = " ".join((values.get("name") or "").split())
    if not name or len(name) > 200:
        raise TraderError("name", "a business name is needed (200 characters at most)")
    trades = [t for t in values.get("trades", []) if t]
    unknown = [t for t in trades if t not in TRADES]
    if not trades or unknown:
        raise TraderError("trades", f"choose at least one trade from the list ({', '.join(TRADES)})")
    areas = _clean_areas(db, values.get("areas", []))
    if not areas:
        raise TraderError("areas", "say which wards or postcode districts they work in")
    website = (values.get("website") or "").strip()
    if website and not website.lower().startswith(("http://", "https://")):
        raise TraderError("website", "must start with http:// or https://")
    memberships = [m for m in values.get("memberships", []) if m.get("scheme") in SCHEMES]
    base = (values.get("base_postcode") or "").strip().upper()
    located = None
    if base:
        from app.places.geocode import InvalidPostcode, normalise_postcode

        try:
            base = normalise_postcode(base)
        except InvalidPostcode as exc:
            raise TraderError("base_postcode", str(exc)) from None
        located = db.execute("select lat, lon, easting, northing from postcodes where postcode = ?", [base]).fetchone()
        if located is None:
            raise TraderError("base_postcode", f"{base} is not a postcode of this area")
    row = {
        "name": name, "trades": json.dumps(trades), "areas": json.dumps(areas), "base_postcode": base or None,
        "base_lat": located[0] if located else None, "base_lon": located[1] if located else None,
        "base_easting": located[2] if located else None, "base_northing": located[3] if located else None,
        "phone": (values.get("phone") or "").strip(), "email": (values.get("email") or "").strip(),
        "website": website, "languages": (values.get("languages") or "").strip(),
        "memberships": json.dumps(memberships), "callout_charge": (values.get("callout_charge") or "").strip(),
        "free_quotes": None if values.get("free_quotes") in (None, "") else int(truthy(values.get("free_quotes"))),
        "updated_at": stamp(),
    }
    with transaction(db):
        if trader_id:
            current = db.execute("select * from traders where id = ?", [trader_id]).fetchone()
            if current is None:
                raise TraderError("id", f"no trader '{trader_id}'")
            changes = [(k, "" if current[k] is None else str(current[k]), "" if v is None else str(v))
                       for k, v in row.items() if k != "updated_at" and not k.startswith("base_") or k == "base_postcode"]
            changes = [c for c in changes if c[1] != c[2]]
            sets = ", ".join(f"{k} = ?" for k in row)
            db.execute(f"update traders set {sets}, version = version + 1 where id = ?", [*row.values(), trader_id])
            _record(db, trader_id, user, "edit", changes, values.get("note", ""))
            return trader_id
        base_id = slugify(name) or "trader"
        trader_id, n = base_id, 2
        while db.execute("select 1 from traders where id = ?", [trader_id]).fetchone():
            trader_id, n = f"{base_id}-{n}", n + 1
        _insert(db, "traders", {"id": trader_id, **row, "status": "pending", "created_at": stamp(),
                                 "example": int(bool(values.get("example")))})
        _record(db, trader_id, user, "create", [], values.get("note", ""))
    return trader_id


def add_check(db: sqlite_utils.Database, user: User, trader_id: str, kind: str, checked_on: date,
              expires_on: date | None = None, detail: str = "") -> None:
    """Record a connector's check (insurance needs its expiry date; a registration, its scheme)."""
    if kind not in CHECKS:
        raise TraderError("kind", f"one of: {', '.join(CHECKS)}")
    if kind == "insurance_seen" and expires_on is None:
        raise TraderError("expires_on", "give the date the insurance runs to")
    if kind == "registration_confirmed" and detail not in SCHEMES:
        raise TraderError("detail", f"say which scheme: {', '.join(SCHEMES)}")
    if checked_on > date.today():
        raise TraderError("checked_on", "is in the future")
    if not db.execute("select 1 from traders where id = ?", [trader_id]).fetchone():
        raise TraderError("id", f"no trader '{trader_id}'")
    with transaction(db):
        db.execute("insert into trader_checks (trader_id, kind, checked_on, connector, expires_on, detail) "
                   "values (?, ?, ?, ?, ?, ?)", [trader_id, kind, checked_on.isoformat(), user.name,
                                                 expires_on.isoformat() if expires_on else None, detail])
        _record(db, trader_id, user, "check", [(kind, "", checked_on.isoformat())], detail)


def standing(db: sqlite_utils.Database, trader_id: str, today: date) -> Standing:
    result = Standing()
    # A "would not use again" review is published, but it is not a recommendation.
    row = db.execute("select sum(coalesce(would_use_again, 1) = 1), sum(would_use_again = 1) from recommendations "
                     "where trader_id = ? and status = 'approved'", [trader_id]).fetchone()
    result.recommended, result.would_use_again = row[0] or 0, row[1] or 0
    latest: dict[str, tuple] = {}
    for kind, checked_on, expires_on, detail in db.execute(
            "select kind, checked_on, expires_on, detail from trader_checks where trader_id = ? order by checked_on",
            [trader_id]):
        result.checks += 1
        latest[kind if kind != "registration_confirmed" else f"{kind}:{detail}"] = (checked_on, expires_on)
        result.last_checked = max(result.last_checked or "", checked_on)
    for kind, (checked_on, expires_on) in latest.items():
        if (today - date.fromisoformat(checked_on)).days > CHECK_VALID_DAYS:
            result.stale_checks.append(kind)
        if kind == "insurance_seen" and expires_on and date.fromisoformat(expires_on) < today:
            result.insurance_expired = True
    return result


def meets_listing_rule(db, trader_id: str, min_recommendations: int, min_checks: int, today: date) -> bool:
    s = standing(db, trader_id, today)
    return s.recommended >= min_recommendations and s.checks >= min_checks


def set_status(db: sqlite_utils.Database, user: User, trader_id: str, status: str, reason: str,
               min_recommendations: int, min_checks: int, today: date) -> None:
    """List, suspend, remove or return a trader to pending; the reason is kept in history."""
    if status not in STATUSES:
        raise TraderError("status", f"one of: {', '.join(STATUSES)}")
    current = db.execute("select status from traders where id = ?", [trader_id]).fetchone()
    if current is None:
        raise TraderError("id", f"no trader '{trader_id}'")
    if status == "listed" and not meets_listing_rule(db, trader_id, min_recommendations, min_checks, today):
        raise TraderError("status", f"a trader can be listed only with at least {min_recommendations} approved "
                                    f"recommendation(s) and {min_checks} check(s)")
    if status in ("suspended", "removed") and not reason.strip():
        raise TraderError("reason", "say why")
    with transaction(db):
        db.execute("update traders set status = ?, status_reason = ?, updated_at = ?, version = version + 1 where id = ?",
                   [status, reason.strip() or None, stamp(), trader_id])
        _record(db, trader_id, user, "status", [("status", current[0], status)], reason)


def recommend(db: sqlite_utils.Database, trader_id: str, fields: dict, address: str, channel: str = "web",
              moderator: User | None = None, now: float | None = None) -> int:
    """Store a recommendation: from the web it waits for moderation; on paper a connector enters it."""
    now = time.time() if now is None else now
    given = " ".join((fields.get("given_name") or "").split())
    job = " ".join((fields.get("job") or "").split())
    if not given:
        raise TraderError("given_name", "missing")
    if not job:
        raise TraderError("job", "missing")
    for key, limit in LIMITS.items():
        if len(fields.get(key) or "") > limit:
            raise TraderError(key, "too_long")
    month = (fields.get("job_month") or "").strip()
    if month and (job_month(month) is None or job_month(month) > datetime.fromtimestamp(now, timezone.utc).date()):
        raise TraderError("job_month", "bad_month")
    if not db.execute("select 1 from traders where id = ? and status != 'removed'", [trader_id]).fetchone():
        raise TraderError("trader", "unknown")
    ward = fields.get("ward_code") or None
    if ward and not db.execute("select 1 from wards where ward_code = ?", [ward]).fetchone():
        raise TraderError("ward_code", "unknown")
    if channel == "web":
        try:
            ratelimit.take(db, [("recommendation", address)], now)
        except ratelimit.Limited:
            raise TraderError("form", "too_many") from None
    again = fields.get("would_use_again")
    with transaction(db):
        cursor = db.execute(
            "insert into recommendations (trader_id, given_name, ward_code, job, job_month, would_use_again, comments, "
            "contact, channel, status, created_at, moderated_by, moderated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [trader_id, given, ward, job, month or None, None if again in (None, "") else int(truthy(again)),
             # A paper recommendation is approved as it is entered, so no moderation would delete a contact.
             (fields.get("comments") or "").strip(),
             None if channel == "paper" else (fields.get("contact") or "").strip() or None, channel,
             "approved" if channel == "paper" else "pending", stamp(),
             moderator.name if moderator else None, stamp() if moderator else None])
        if moderator:
            _record(db, trader_id, moderator, "paper recommendation", [], f"entered from paper, recommendation {cursor.lastrowid}")
    return cursor.lastrowid


def job_month(text: str | None) -> date | None:
    """Read a "YYYY-MM" month as its first day, or None if it is not a real month."""
    if not text or not re.fullmatch(r"\d{4}-\d{2}", text):
        return None
    try:
        return date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        return None


TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "revd", "sir", "dame", "lady", "lord"}
_INITIALS = re.compile(r"(?:\w\.)+|\w")  # "K", "K." or "K.P."


def initials(given_name: str) -> str:
    """Say who wrote a review as residents see it: "Mrs K." is "K.", "Pramila" is "P.", "K.P." stays "K.P."."""
    words = given_name.split()
    real = [w for w in words if w.rstrip(".").casefold() not in TITLES] or words
    if not real:
        return ""
    given = []
    for word in real:  # initials given as initials ("K", "K.", "K.P.") are shown as written
        if not _INITIALS.fullmatch(word):
            break
        given.append(word if word.endswith(".") else word + ".")
    return " ".join(given) if given else real[0][:1] + "."


def moderate(db: sqlite_utils.Database, user: User, recommendation_id: int, approve: bool, reply: str = "") -> None:
    """Approve (publish) or reject a recommendation; its writer's contact details are deleted either way."""
    row = db.execute("select trader_id from recommendations where id = ?", [recommendation_id]).fetchone()
    if row is None:
        raise TraderError("id", "no such recommendation")
    with transaction(db):
        db.execute("update recommendations set status = ?, contact = null, moderated_by = ?, moderated_at = ?, "
                   "reply = coalesce(nullif(?, ''), reply) where id = ?",
                   ["approved" if approve else "rejected", user.name, stamp(), reply.strip(), recommendation_id])
        _record(db, row[0], user, "moderation", [], f"recommendation {recommendation_id} {'approved' if approve else 'rejected'}")


def set_reply(db: sqlite_utils.Database, user: User, recommendation_id: int, reply: str) -> None:
    """Enter the trader's reply to a recommendation (shown beside it)."""
    if len(reply) > LIMITS["reply"]:
        raise TraderError("reply", "too_long")
    with transaction(db):
        db.execute("update recommendations set reply = ? where id = ?", [reply.strip() or None, recommendation_id])


def public_traders(db: sqlite_utils.Database, min_recommendations: int, min_checks: int, today: date) -> list[dict]:
    """Every trader a resident may see, with their standing."""
    out = []
    for row in db.execute("select t.*, p.ward_code as base_ward from traders t "
                          "left join postcodes p on p.postcode = t.base_postcode "
                          "where t.status = 'listed' order by t.name collate nocase"):
        trader = {k: v for k, v in dict(row).items() if k not in PRIVATE_BASE}
        trader["standing"] = standing(db, trader["id"], today)
        if trader["standing"].recommended >= min_recommendations and trader["standing"].checks >= min_checks:
            out.append(_decode(trader))
    return out


def ward_centres(db) -> dict[str, tuple[float, float]]:
    """Give the middle of each ward as (easting, northing) in metres."""
    from app.places.geocode import wgs84_to_bng

    rows = db.execute("select ward_code, centroid_lat, centroid_lon from wards where centroid_lat is not null").fetchall()
    if not rows:
        return {}
    eastings, northings = wgs84_to_bng([r[1] for r in rows], [r[2] for r in rows])
    return {r[0]: (float(e), float(n)) for r, e, n in zip(rows, eastings, northings)}


def distance_band(metres: float) -> int:
    """Say which band of DISTANCE_BANDS a distance falls in: 0 is the nearest."""
    return bisect.bisect_right(DISTANCE_BANDS, metres)


def _decode(trader: dict) -> dict:
    trader["trades"] = _loads(trader["trades"], [])
    trader["areas"] = _loads(trader["areas"], [])
    trader["memberships"] = _loads(trader["memberships"], [])
    return trader


def serves(trader: dict, ward_code: str | None, postcode: str | None) -> bool:
    """Say whether a trader works in a ward or in a postcode's district."""
    areas = set(trader["areas"])
    district = postcode.split(" ")[0] if postcode else None
    return bool((ward_code and ward_code in areas) or (district and district in areas))


def find_traders(db, min_recommendations: int, min_checks: int, today: date, trade: str | None = None,
                 ward_code: str | None = None, postcode: str | None = None, near: tuple | None = None,
                 language: str | None = None, q: str = "", sort: str = "recommended") -> list[dict]:
    """Search the public traders; those with expired insurance or old checks go last."""
    results = []
    words = q.casefold().split()
    centres = ward_centres(db) if near else {}
    for trader in public_traders(db, min_recommendations, min_checks, today):
        if trade and trade not in trader["trades"]:
            continue
        if (ward_code or postcode) and not serves(trader, ward_code, postcode):
            continue
        if language and language.casefold() not in {l.strip().casefold() for l in re.split(r"[;,]", trader["languages"])}:
            continue
        if words:
            text = " ".join([trader["name"], *trader["trades"], *(str(TRADES.get(t, "")) for t in trader["trades"])]).casefold()
            if not all(w in text for w in words):
                continue
        centre = centres.get(trader["base_ward"])
        trader["distance_band"] = distance_band(math.hypot(centre[0] - near[0], centre[1] - near[1])) if centre else None
        results.append(trader)
    if sort == "checked":
        results.sort(key=lambda t: t["standing"].last_checked or "", reverse=True)
    elif sort == "nearest" and near:
        # Within a band, the order must say nothing more about distance than the band does.
        results.sort(key=lambda t: (t["distance_band"] is None, t["distance_band"] or 0,
                                    -t["standing"].recommended, t["name"].casefold()))
    else:
        results.sort(key=lambda t: (-t["standing"].recommended, t["name"].casefold()))
    results.sort(key=lambda t: t["standing"].sinks)
    return results


def checks_of(db, trader_id: str) -> list[dict]:
    return [dict(r) for r in db.execute("select kind, checked_on, connector, expires_on, detail from trader_checks "
                                        "where trader_id = ? order by checked_on desc, id desc", [trader_id])]


def recommendations_of(db, trader_id: str, statuses=("approved",)) -> list[dict]:
    marks = ", ".join("?" * len(statuses))
    return [dict(r) for r in db.execute(
        f"select r.*, w.ward_name from recommendations r left join wards w on w.ward_code = r.ward_code "
        f"where trader_id = ? and status in ({marks}) order by coalesce(job_month, created_at) desc, id desc",
        [trader_id, *statuses])]
