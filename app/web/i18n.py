"""Languages: which one a request wants, translations compiled from .po files, URL plumbing.

The language is carried in the URL (`?lang=gu`), never in a cookie, so residents are not
tracked and a shared or printed link keeps its language.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_app_context, request, url_for
from flask_babel import Babel, force_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

from app.assets.record import N_

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

# Each language the site offers: its name in itself, its writing direction, and whether its translation
# is still a first draft (said under the switcher and on the About page, inviting corrections). After English, in the
# order of Leicester's most spoken languages (Census 2021).
LANGUAGES = {
    "en": {"name": "English", "dir": "ltr"},
    "gu": {"name": "ગુજરાતી", "dir": "ltr"},
    "pa": {"draft": True, "name": "ਪੰਜਾਬੀ", "dir": "ltr"},
    "ur": {"draft": True, "name": "اردو", "dir": "rtl"},
    "pl": {"draft": True, "name": "Polski", "dir": "ltr"},
    "so": {"draft": True, "name": "Soomaali", "dir": "ltr"},
    "bn": {"draft": True, "name": "বাংলা", "dir": "ltr"},
    "hi": {"draft": True, "name": "हिन्दी", "dir": "ltr"},
    "ar": {"draft": True, "name": "العربية", "dir": "rtl"},
}
DEFAULT_LANGUAGE = "en"


def current_language() -> str:
    """Return the language code this request asked for (?lang=), or the default."""
    if "lang" not in g:
        wanted = request.args.get("lang", "") if request else ""
        g.lang = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    return g.lang


def translations():
    """Return the translations for the request's language, looked up once per request and language.

    Flask-Babel looks them up again on every message (a few hundred on a page of results, a third
    of the page's time); this keeps the answer beside Flask-Babel's own per-request state, keyed by
    the locale object, so `force_locale` (which swaps that object) still gets its own language.
    """
    if not has_app_context():
        return get_translations()
    state = getattr(g._get_current_object(), "_flask_babel", None)
    memo = None if state is None else state.__dict__.get("assetmap_translations")
    if memo is not None and memo[0] is getattr(state, "babel_locale", None):
        return memo[1]
    found = get_translations()
    state = getattr(g._get_current_object(), "_flask_babel", None)
    if state is not None:
        state.assetmap_translations = (getattr(state, "babel_locale", None), found)
    return found


def gettext(string: str, **variables) -> str:
    """Translate a message into the request's language (as flask_babel.gettext, faster)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Translate a message with a number into the request's language (as flask_babel.ngettext, faster)."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


# Said beside a draft language's name, in that language.
FIRST_DRAFT = N_("first draft")


def in_language(code: str, message: str) -> str:
    """Translate a message into a given language, whatever the request's (a language's own words for itself)."""
    with force_locale(code):
        return gettext(message)


def compile_translations(target: Path) -> Path:
    """Compile every app/translations/<lang>/LC_MESSAGES/messages.po into target, if newer."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(TRANSLATIONS).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with open(po_path, "rb") as source:
            catalog = read_po(source)
        tmp = mo_path.with_suffix(".mo.tmp")
        with open(tmp, "wb") as out:
            write_mo(out, catalog)
        tmp.replace(mo_path)
    return target



def switch_language_url(code: str) -> str:
    """The current page in another language."""
    return language_urls()[code]


def language_urls() -> dict[str, str]:
    """The current page's address in each language the site offers, worked out once a request."""
    urls = g.get("language_urls")
    if urls is None:
        # One url_for (the dearest call on a page), then each language added to its address.
        args = request.args.to_dict(flat=False)
        args["lang"] = None  # None: leave it out of the URL
        url = url_for(request.endpoint or "pages.home", **(request.view_args or {}), **args)
        joiner = "&" if "?" in url else "?"
        urls = g.language_urls = {code: url if code == DEFAULT_LANGUAGE else f"{url}{joiner}{urlencode({'lang': code})}"
                                  for code in LANGUAGES}
    return urls


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables):
    """`_()` in templates: translate string, then fill in variables (escaped in an HTML template)."""
    text = translations().ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def init_app(app: Flask) -> None:
    compiled = compile_translations(Path(app.instance_path) / "translations")
    Babel(app, locale_selector=current_language, default_translation_directories=str(compiled),
          default_timezone=app.config["AREA"].timezone)
    # Templates' _() and ngettext() through the memo above (Flask-Babel installs its own first).
    app.jinja_env.install_gettext_callables(lambda text: translations().ugettext(text),
                                            lambda one, many, n: translations().ungettext(one, many, n),
                                            newstyle=True)
    # ... and `_()` straight to it: Jinja's own `_` passes through three calls to reach the same
    # words (13 µs each, forty on a page), this one through none. Same rules as Jinja's newstyle
    # gettext: the words are a format string, and safe only where the template escapes.
    app.jinja_env.globals["_"] = template_gettext

    @app.url_defaults
    def keep_language(endpoint, values):
        # Links between pages stay in the reader's language; the API and files do not need it.
        if endpoint and not endpoint.startswith(("api.", "static", "vendor.")) and "lang" not in values:
            lang = current_language()
            if lang != DEFAULT_LANGUAGE:
                values["lang"] = lang

    @app.context_processor
    def language_context():
        lang = current_language()
        return {"lang": lang, "text_direction": LANGUAGES[lang]["dir"], "languages": LANGUAGES,
                "switch_language_url": switch_language_url,
                "in_language": in_language, "first_draft": FIRST_DRAFT}
