"""The library kiosk's pages: big tiles, no typing, no sign-in, nothing kept about the person using it.

Every page lives under /kiosk/<slug>/ in this one blueprint. Lists are measured from the kiosk's place;
listings and lists carry a QR code of their public page so a resident can take them away on a phone,
and messages (suggest, report, recommend) go by QR to the public forms: the kiosk's only form is the
postcode search on its own keypad. It works offline through its service worker (kiosk-sw.js), and counts
its use anonymously per day (app.kiosks.usage).
Thin: the searching is app.assets.search's, the traders app.traders.directory's.
"""
from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, send_from_directory, url_for

from app import ratelimit
from app.assets.record import CATEGORIES
from app.assets.search import Query, get_asset, get_ward, hydrate, list_wards, result_for
from app.kiosks import usage
from app.kiosks.kiosk import Kiosk, get_kiosk
from app.places.locate import LocateError, from_postcode
from app.traders import directory as traders
from app.views.pages import Pages
from app.views.traders import rule
from app.web.db import get_db, get_write_db
from app.web.filters import local_now, locate_message
from app.web.i18n import LANGUAGES, current_language, gettext
from app.web.qr import qr_svg
from app.web.searches import cached_search
from app.web.wording import category_name, clock, describe_date

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk/<slug>")

PER_PAGE = 5  # big tiles: a page of results fits the lower part of a portrait screen
STATIC = Path(__file__).resolve().parent.parent / "static"
# The kiosk's service worker sends this when it fills its cache: nobody used the kiosk, so nothing is counted.
CACHE_HEADER = "X-Kiosk-Cache"
MAX_POSTCODE = 20  # longer than any postcode: enough to say kindly what was wrong, never a page of text
COUNTDOWN_SECONDS = 30  # "Still there?" counts down this long; tests may shorten it
MIN_COUNTDOWN_SECONDS = 20


@bp.url_value_preprocessor
def load_kiosk(endpoint, values):
    slug = values.pop("slug", "") if values else ""
    kiosk = get_kiosk(get_db(), slug)
    if kiosk is None:
        g.kiosk = None
        abort(404)
    g.kiosk = kiosk
    if request.args.get("lang") not in LANGUAGES:
        g.lang = kiosk.language  # a kiosk starts (and resets) in its own language


@bp.url_defaults
def keep_kiosk(endpoint, values):
    kiosk: Kiosk | None = g.get("kiosk")
    if kiosk is not None:
        values.setdefault("slug", kiosk.slug)
        values.setdefault("lang", current_language())  # explicit, as the kiosk's own language may not be English
        if big_text() and "big" not in values:
            values["big"] = 1


def big_text() -> bool:
    """The "Bigger text" toggle lives in the address: nothing is stored, and the idle reset drops it."""
    return request.args.get("big") == "1"


def _countdown() -> int:
    """How long "Still there?" counts down: 30 s, never under 20 s outside tests (they cannot wait that long)."""
    wanted = int(current_app.config.get("KIOSK_COUNTDOWN_SECONDS", COUNTDOWN_SECONDS))
    return max(wanted, 1 if current_app.testing else MIN_COUNTDOWN_SECONDS)


def _kiosk_page(template: str, status: int = 200, **context):
    kiosk: Kiosk = g.kiosk
    home = url_for("kiosk.welcome", lang=kiosk.language, big=None)
    countdown = _countdown()
    now = local_now()
    return render_template(template, kiosk=kiosk, home_url=home, big=big_text(), countdown=countdown,
                           toggle_url=url_for(request.endpoint, **(request.view_args or {}),
                                              **{k: v for k, v in request.args.items() if k != "big"},
                                              big=None if big_text() else 1),
                           made_at=gettext("Information from %(date)s at %(time)s",
                                           date=describe_date(now.date().isoformat()),
                                           time=clock(now.strftime("%H:%M"))),
                           service_worker=url_for("kiosk.service_worker", lang=None, big=None),
                           usage_url=url_for("kiosk.count_event", lang=None, big=None),
                           today=now.date(), **context), status


def _count(event: str) -> None:
    """Count one use of this kiosk today (app.kiosks.usage: only the kiosk, the day and the kind of event)."""
    if request.headers.get(CACHE_HEADER):
        return  # the kiosk's own service worker filling its cache for offline use, not a person
    try:
        usage.record(get_write_db(), g.kiosk.id, event, local_now().date())
    except sqlite3.Error as error:  # a busy or read-only database: a count lost, never the resident's screen
        current_app.logger.warning("kiosk usage not counted (%s): %s", event, error)


def _count_tile(kind: str) -> None:
    """Count a tile of the welcome screen as used when its page is opened from the welcome screen.

    The browser names the page a link was on (Referer: the site sends "same-origin", so only its own
    pages); the pager, "Back to the list" and "Bigger text" come from the page itself and are not counted.
    """
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path == f"/kiosk/{g.kiosk.slug}/":
        _count(f"tile_{kind}")


def _holds_typed_text() -> bool:
    """Whether this page carries what someone typed (a postcode search, or a listing reached from one)."""
    postcode_page = f"/kiosk/{g.kiosk.slug}/postcode"
    return request.path == postcode_page or request.args.get("from", "").startswith(postcode_page)


@bp.after_request
def no_store_typed_text(response):
    # A postcode someone typed must not outlive their visit: no cache keeps such a page (the kiosk's
    # service worker honours this too, see kiosk-sw.js), and the idle reset replaces it in the history.
    if g.get("kiosk") is not None and _holds_typed_text():
        response.headers["Cache-Control"] = "no-store"
    return response


def _back_target() -> str | None:
    """The kiosk page to go back to (only one of this kiosk's own pages: never anywhere else)."""
    target = request.args.get("from", "")
    prefix = f"/kiosk/{g.kiosk.slug}/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return None


def _page_args() -> dict:
    """This page's own address parts and query, less the page number, for its Previous/Next links."""
    return {**(request.view_args or {}), **{k: v for k, v in request.args.items() if k != "page"}}


def _here() -> str:
    """This page's path and query, for a listing's "Back to the list"."""
    return request.full_path.rstrip("?")


@bp.get("/")
def welcome():
    return _kiosk_page("kiosk/welcome.html", categories=CATEGORIES, category_name=category_name,
                       languages=LANGUAGES)


def _found(query: Query, keep=None):
    """A search's results, nearest the kiosk first unless an area was chosen; keep filters them."""
    found = cached_search(get_db(), query, local_now())
    results = list(found.results) + list(found.ward_only) if keep else found.results + found.ward_only
    return [r for r in results if keep(r)] if keep else results


def _results(title: str, query: Query, keep=None, **context):
    """A page of results from a search (nearest the kiosk first unless an area was chosen)."""
    results = _found(query, keep)
    pages = Pages(results, _page_args(), request.endpoint, PER_PAGE)
    shown = hydrate(get_db(), pages.items)
    # The list to take away: the residents' own "my list" page of what this page shows.
    share_url = url_for("pages.my_list", ids=",".join(r.asset["id"] for r in shown) or None,
                        _external=True).replace("%2C", ",")
    if shown:
        _count("qr_shown")
    return _kiosk_page("kiosk/results.html", title=title, shown=shown, pages=pages, total=len(results),
                       here=_here(), share_url=share_url,
                       qr=qr_svg(share_url, gettext("QR code for this list")) if shown else None, **context)


def _today_query() -> Query:
    return Query(on_date=local_now().date(), origin=g.kiosk.origin)


def _this_week() -> tuple[Query, object]:
    last = local_now().date() + timedelta(days=6)
    # Worked out per listing with times (the search has no "within a week" filter); "next on" is cached.
    return Query(origin=g.kiosk.origin), lambda r: r.sessions and r.next_on is not None and r.next_on.day <= last


@bp.get("/category/<category>")
def category(category: str):
    if category not in CATEGORIES:
        abort(404)
    _count_tile("category")
    return _results(category_name(category), Query(categories=(category,), origin=g.kiosk.origin))


@bp.get("/today")
def today():
    _count_tile("today")
    return _results(gettext("On today"), _today_query())


@bp.get("/this-week")
def this_week():
    _count_tile("this_week")
    return _results(gettext("This week"), *_this_week())


@bp.get("/near")
def near():
    _count_tile("near")
    return _results(gettext("Near this library"), Query(origin=g.kiosk.origin))


@bp.get("/postcode")
def postcode():
    """Search by postcode, typed on the screen's own keypad; the results are nearest that postcode.

    The postcode is in this page's address only: never stored, never counted (only that a search was
    made), never cached (no_store_typed_text), and gone from the history at the idle reset.
    """
    text = " ".join(request.args.get("postcode", "").split())
    if not text:  # the keypad screen (or "Find" touched before typing anything: the keypad again)
        if "postcode" not in request.args:
            _count_tile("postcode")
        return _kiosk_page("kiosk/postcode.html", problem=None, suggestion=None, typed="")
    _count("postcode_search")
    try:
        if len(text) > MAX_POSTCODE:
            raise LocateError("malformed", text[:MAX_POSTCODE] + "…")
        origin = from_postcode(get_db(), text, current_app.config["AREA"])
    except LocateError as error:
        # What was typed stays in the field to be put right (this page is never cached; the reset clears it).
        return _kiosk_page("kiosk/postcode.html", status=400, problem=locate_message(error),
                           suggestion=error.suggestion, typed=text if len(text) <= 8 else "")
    outside = None
    if origin.ward_code is None:  # in the area's postcode district but outside its wards: still nearest first
        outside = gettext("This postcode is outside %(area)s. The nearest places are shown first.",
                          area=current_app.config["AREA"].name)
    return _results(gettext("Nearest to your postcode"), Query(origin=origin), notice=outside,
                    place=origin.label, again=url_for("kiosk.postcode"))


@bp.get("/areas")
def areas():
    _count_tile("areas")
    return _kiosk_page("kiosk/areas.html", wards=list_wards(get_db()))


@bp.get("/areas/<ward>")
def area(ward: str):
    found = get_ward(get_db(), ward)
    if found is None:
        abort(404)
    # A chosen area is listed as the ward page lists it, not measured from the library.
    return _results(found["ward_name"], Query(ward_code=found["ward_code"]))


@bp.get("/assets/<asset_id>")
def listing(asset_id: str):
    db = get_db()
    asset = get_asset(db, asset_id)
    if asset is None:
        abort(404)
    public_url = url_for("pages.asset", asset_id=asset_id, _external=True)
    _count("listing_opened")
    _count("qr_shown")
    return _kiosk_page("kiosk/listing.html", asset=asset, result=result_for(asset, local_now()), back=_back_target(),
                       public_url=public_url, qr=qr_svg(public_url, gettext("QR code for this listing's page")))


@bp.get("/traders")
def trades():
    _count_tile("traders")
    return _kiosk_page("kiosk/trades.html", trades=traders.TRADES)


@bp.get("/traders/<trade>")
def trade(trade: str):
    if trade not in traders.TRADES:
        abort(404)
    db = get_db()
    kiosk: Kiosk = g.kiosk
    found = traders.find_traders(db, *rule(), local_now().date(), trade=trade, near=(kiosk.easting, kiosk.northing),
                                 sort="nearest")
    pages = Pages(found, _page_args(), request.endpoint, PER_PAGE)
    return _kiosk_page("kiosk/traders.html", trade=trade, shown=pages.items, pages=pages, total=len(found),
                       here=_here())


@bp.get("/trader/<trader_id>")
def trader(trader_id: str):
    db = get_db()
    found = next((t for t in traders.public_traders(db, *rule(), local_now().date()) if t["id"] == trader_id), None)
    if found is None:
        abort(404)
    public_url = url_for("traders.trader", trader_id=trader_id, _external=True)
    _count("trader_opened")
    _count("qr_shown")
    return _kiosk_page("kiosk/trader.html", trader=found, back=_back_target(), public_url=public_url,
                       qr=qr_svg(public_url, gettext("QR code for this trader's page")))


# What a resident can tell us from a kiosk, each a public form opened on their own phone.
MESSAGES = ("suggest", "report", "recommend")


@bp.get("/tell-us")
def tell_us():
    _count_tile("tell_us")
    return _kiosk_page("kiosk/tell_us.html")


@bp.get("/tell-us/<kind>")
def message(kind: str):
    """A QR code of a public form: the resident fills it in on their own phone, never on the kiosk."""
    if kind not in MESSAGES:
        abort(404)
    db = get_db()
    subject = None
    if kind == "suggest":
        title = gettext("Suggest an activity")
        form_url = url_for("suggest.suggest", _external=True)
    elif kind == "report":
        title = gettext("Report a problem")
        subject = get_asset(db, request.args.get("asset", ""))
        if subject is None:
            # A problem is reported on a listing's own page: say how to reach one.
            return _kiosk_page("kiosk/message.html", title=title, qr=None, subject=None, form_url=None,
                               back=_back_target())
        form_url = url_for("suggest.report", asset_id=subject["id"], _external=True)
    else:
        title = gettext("Recommend a trader")
        trader_id = request.args.get("trader", "")
        subject = next((t for t in traders.public_traders(db, *rule(), local_now().date()) if t["id"] == trader_id),
                       None)
        form_url = (url_for("traders.recommend", trader_id=trader_id, _external=True) if subject
                    else url_for("traders.search", _external=True))
    _count("qr_shown")
    return _kiosk_page("kiosk/message.html", title=title, subject=subject, form_url=form_url, back=_back_target(),
                       qr=qr_svg(form_url, gettext("QR code for the form: %(title)s", title=title)))


@bp.get("/sw.js")
def service_worker():
    """The kiosk's service worker, served from here so that its scope covers this kiosk's pages."""
    return send_from_directory(STATIC, "kiosk-sw.js", mimetype="text/javascript", max_age=0)


@bp.get("/offline.json")
def offline():
    """What the service worker keeps for when the network drops: the welcome screen, today's and this
    week's lists and the listings on their first pages (the very addresses those pages link to), and the
    kiosk's own files. Bounded: three pages and at most 2 x PER_PAGE listings. In the kiosk's language."""
    pages = [url_for("kiosk.welcome")]
    for endpoint, (query, keep) in (("kiosk.today", (_today_query(), None)), ("kiosk.this_week", _this_week())):
        here = url_for(endpoint)
        pages.append(here)
        pages += [url_for("kiosk.listing", asset_id=r.asset["id"], **{"from": here})
                  for r in _found(query, keep)[:PER_PAGE]]
    files = [url_for("static", filename=name) for name in ("kiosk.css", "kiosk.js")]
    response = jsonify({"pages": list(dict.fromkeys(pages)), "files": files})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/usage")
def count_event():
    """Count an event the kiosk's browser saw itself ("Print this"), sent with navigator.sendBeacon.

    Only a name from usage.CLIENT_EVENTS is counted; the form token (app.web.csrf, as on every form)
    shows it came from this site's own page. Bounded per kiosk by the one rate limiter, keyed by the
    kiosk (never an address): its events are kept only for the limit's window.
    """
    event = request.form.get("event", "")
    if event not in usage.CLIENT_EVENTS:
        return jsonify({"error": f"A kiosk can only report: {', '.join(usage.CLIENT_EVENTS)}."}), 400
    try:
        ratelimit.take(get_write_db(), [("kiosk-usage", str(g.kiosk.id))])
    except ratelimit.Limited:
        return jsonify({"error": "Too many events from this kiosk: try again later."}), 429
    _count(event)
    return "", 204


@bp.errorhandler(404)
def kiosk_not_found(error):
    """A kiosk's own "not found" page: no site navigation, a way back to its welcome screen if it exists."""
    kiosk = g.get("kiosk")
    home = url_for("kiosk.welcome", slug=kiosk.slug, lang=kiosk.language, big=None) if kiosk else None
    return render_template("kiosk/missing.html", kiosk=kiosk, home_url=home, toggle_url=home, big=False,
                           countdown=_countdown()), 404
