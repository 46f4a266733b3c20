"""A newsletter on paper: its HTML in the reader's language, and that HTML as an A4 PDF by WeasyPrint.

WeasyPrint is a maintained HTML-to-PDF engine that shapes complex scripts with HarfBuzz and Pango
(Gujarati conjuncts, Urdu Nastaliq), which a hand-drawn PDF would get wrong; the fonts are Debian's
Noto (fonts-noto-core), named in newsletter.css. The PDF asks nothing of any other host: the map
and the QR code are inline SVG and every other address is refused.

Call inside an application context (the words, the ward page's address): `render_newsletter`.
"""
from __future__ import annotations

from pathlib import Path

from babel.dates import format_skeleton
from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_date, get_locale

from app.config import PROJECT_ROOT
from app.newsletters.newsletter import Happening, Newsletter, NewsletterError
from app.walks.route_map import route_map
from app.walks.sheet import Route
from app.web.i18n import LANGUAGES, gettext
from app.web.qr import qr_svg
from app.web.wording import category_name, clock, describe_date

STYLESHEET = PROJECT_ROOT / "app" / "static" / "newsletter.css"


def check_language(lang: str) -> str:
    """Return the language code if the site has it, else raise NewsletterError naming the ones it has."""
    if lang not in LANGUAGES:
        raise NewsletterError(f"“{lang}” is not a language the site has. Use one of: {', '.join(LANGUAGES)}.")
    return lang


def month_title(news: Newsletter) -> str:
    """The month in the reader's language, as CLDR writes it on its own ('December 2026')."""
    return format_skeleton("yMMMM", news.month, locale=get_locale())


def day_heading(happening_day) -> str:
    """A day as the list heads it: 'Tue 9 Dec'."""
    return format_date(happening_day, "EEE d MMM")


def time_span(happening: Happening) -> str:
    """'10am–12 noon' (each time in the reader's style), or '' when the listing gives no times."""
    if not happening.start:
        return ""
    return f"{clock(happening.start)}\u2013{clock(happening.end)}" if happening.end else clock(happening.start)


def filename(news: Newsletter, lang: str, large: bool) -> str:
    return f"whats-on-{news.ward_slug}-{news.month:%Y-%m}-{lang}{'-large-print' if large else ''}.pdf"


def newsletter_html(news: Newsletter, lang: str, large: bool = False) -> str:
    """The newsletter as one HTML document in `lang` (its `lang` and `dir` from LANGUAGES)."""
    check_language(lang)
    with force_locale(lang):
        ward_url = url_for("pages.ward", slug=news.ward_slug, lang=None if lang == "en" else lang, _external=True)
        suggest_url = url_for("suggest.suggest", lang=None if lang == "en" else lang, _external=True)
        ward_words = gettext("%(ward)s ward", ward=news.ward_name)
        return render_template(
            "newsletters/newsletter.html", news=news, lang=lang, text_direction=LANGUAGES[lang]["dir"],
            large=large, month=month_title(news), day_heading=day_heading, time_span=time_span,
            category_name=category_name, made=describe_date(news.made.isoformat()),
            ward_url=ward_url, suggest_url=suggest_url, qr=qr_svg(ward_url, ward_words),
            ward_map=route_map(Route((), (), ()), news.outline, gettext("Map") + ": " + ward_words),
            site_name=gettext("%(area)s Community Map", area=current_app.config["AREA"].name))


def _refuse(url: str, *args, **kwargs):
    """The PDF fetches nothing: every part of it is in the HTML or the stylesheet."""
    raise ValueError(f"the newsletter does not fetch {url}")


def html_to_pdf(html: str) -> bytes:
    """Lay the HTML out on A4 pages and return the PDF."""
    from weasyprint import CSS, HTML  # imported when used: it loads Pango, which no other page needs

    return HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])


def render_newsletter(news: Newsletter, lang: str, large: bool = False) -> bytes:
    """The newsletter as a PDF in `lang`, large print (body 16 pt and more) when asked."""
    return html_to_pdf(newsletter_html(news, lang, large))
