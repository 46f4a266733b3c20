"""The library kiosk's pages: big tiles, no typing, no sign-in, nothing kept about the person using it.

Every page lives under /kiosk/<slug>/ in this one blueprint. Lists are measured from the kiosk's place;
listings and lists carry a QR code of their public page so a resident can take them away on a phone,
and messages (suggest, report, recommend) go by QR to the public forms: the kiosk has no form at all.
Thin: the searching is app.assets.search's, the traders app.traders.directory's.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from app.assets.record import CATEGORIES
from app.assets.search import Query, get_asset, get_ward, hydrate, list_wards, result_for
from app.kiosks.kiosk import Kiosk, get_kiosk
from app.traders import directory as traders
from app.views.pages import Pages
from app.views.traders import rule
from app.web.db import get_db
from app.web.filters import local_now
from app.web.i18n import LANGUAGES, current_language, gettext
from app.web.qr import qr_svg
from app.web.searches import cached_search
from app.web.wording import category_name

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk/<slug>")

PER_PAGE = 5  # big tiles: a page of results fits the lower part of a portrait screen
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


def _kiosk_page(template: str, **context):
    kiosk: Kiosk = g.kiosk
    home = url_for("kiosk.welcome", lang=kiosk.language, big=None)
    countdown = _countdown()
    return render_template(template, kiosk=kiosk, home_url=home, big=big_text(), countdown=countdown,
                           toggle_url=url_for(request.endpoint, **(request.view_args or {}),
                                              **{k: v for k, v in request.args.items() if k != "big"},
                                              big=None if big_text() else 1),
                           today=local_now().date(), **context)


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


def _results(title: str, query: Query, keep=None):
    """A page of results from a search (nearest the kiosk first unless an area was chosen)."""
    db = get_db()
    now = local_now()
    found = cached_search(db, query, now)
    results = list(found.results) + list(found.ward_only) if keep else found.results + found.ward_only
    if keep:
        results = [r for r in results if keep(r)]
    pages = Pages(results, _page_args(), request.endpoint, PER_PAGE)
    shown = hydrate(db, pages.items)
    # The list to take away: the residents' own "my list" page of what this page shows.
    share_url = url_for("pages.my_list", ids=",".join(r.asset["id"] for r in shown) or None,
                        _external=True).replace("%2C", ",")
    return _kiosk_page("kiosk/results.html", title=title, shown=shown, pages=pages, total=len(results),
                       here=_here(), share_url=share_url,
                       qr=qr_svg(share_url, gettext("QR code for this list")) if shown else None)


@bp.get("/category/<category>")
def category(category: str):
    if category not in CATEGORIES:
        abort(404)
    return _results(category_name(category), Query(categories=(category,), origin=g.kiosk.origin))


@bp.get("/today")
def today():
    return _results(gettext("On today"), Query(on_date=local_now().date(), origin=g.kiosk.origin))


@bp.get("/this-week")
def this_week():
    now = local_now()
    last = now.date() + timedelta(days=6)
    # Worked out per listing with times (the search has no "within a week" filter); "next on" is cached.
    return _results(gettext("This week"), Query(origin=g.kiosk.origin),
                    keep=lambda r: r.sessions and r.next_on is not None and r.next_on.day <= last)


@bp.get("/near")
def near():
    return _results(gettext("Near this library"), Query(origin=g.kiosk.origin))


@bp.get("/areas")
def areas():
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
    return _kiosk_page("kiosk/listing.html", asset=asset, result=result_for(asset, local_now()), back=_back_target(),
                       public_url=public_url, qr=qr_svg(public_url, gettext("QR code for this listing's page")))


@bp.get("/traders")
def trades():
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
    return _kiosk_page("kiosk/trader.html", trader=found, back=_back_target(), public_url=public_url,
                       qr=qr_svg(public_url, gettext("QR code for this trader's page")))


# What a resident can tell us from a kiosk, each a public form opened on their own phone.
MESSAGES = ("suggest", "report", "recommend")


@bp.get("/tell-us")
def tell_us():
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
    return _kiosk_page("kiosk/message.html", title=title, subject=subject, form_url=form_url, back=_back_target(),
                       qr=qr_svg(form_url, gettext("QR code for the form: %(title)s", title=title)))


@bp.errorhandler(404)
def kiosk_not_found(error):
    """A kiosk's own "not found" page: no site navigation, a way back to its welcome screen if it exists."""
    kiosk = g.get("kiosk")
    home = url_for("kiosk.welcome", slug=kiosk.slug, lang=kiosk.language, big=None) if kiosk else None
    return render_template("kiosk/missing.html", kiosk=kiosk, home_url=home, toggle_url=home, big=False,
                           countdown=_countdown()), 404
