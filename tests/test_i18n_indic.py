"""Punjabi (Gurmukhi), Hindi and Bengali: every residents' page in each, and their dates, times and plurals.

The catalogues' completeness and glossaries are checked for every language in test_i18n.py.
"""
import re
import subprocess

import pytest
from test_kiosks import ASHA, KIOSK
from test_traders import listed
from test_workspace import NOW

from app import create_app, store
from app.assets.schedule import parse_schedule
from app.config import PROJECT_ROOT
from app.kiosks.kiosk import save_kiosk
from app.web.i18n import LANGUAGES, ngettext
from app.web.wording import describe_session

# Each language's home-page heading ("Find things to do near you"), as its catalogue says it.
HEADINGS = {
    "pa": "ਆਪਣੇ ਨੇੜੇ ਕਰਨ ਲਈ ਚੀਜ਼ਾਂ ਲੱਭੋ",
    "hi": "अपने पास करने के लिए चीज़ें खोजें",
    "bn": "আপনার কাছে করার মতো কিছু খুঁজুন",
}
# "Trusted traders" and the library category, as a phrase that must show on the traders' and results pages.
TRUSTED = {"pa": "ਭਰੋਸੇਯੋਗ ਕਾਰੀਗਰ", "hi": "भरोसेमंद कारीगर", "bn": "বিশ্বস্ত মিস্ত্রি"}
LIBRARY = {"pa": "ਲਾਇਬ੍ਰੇਰੀ", "hi": "लाइब्रेरी", "bn": "লাইব্রেরি"}


@pytest.fixture(scope="module")
def site(built_db, area, tmp_path_factory):
    """A site with a kiosk and a listed trader, read by every language's pages."""
    import shutil

    from app.accounts import add_user

    path = tmp_path_factory.mktemp("indic") / "site.db"
    shutil.copy(built_db[0], path)
    db = store.connect(path)
    store.migrate_connection(db.conn)
    add_user(db, "Asha", "correct horse battery", "connector")
    save_kiosk(db, area, ASHA, {"name": "Belgrave Library", "place": "belgrave-library"})
    trader_id = listed(db)
    db.conn.close()
    app = create_app({"TESTING": True, "DATABASE": str(path), "TILE_URL": "", "NOW": NOW,
                      "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})
    return app.test_client(), trader_id


def test_the_three_languages_are_offered_by_their_own_names():
    assert {code: LANGUAGES[code] for code in HEADINGS} == {
        "pa": {"draft": True, "name": "ਪੰਜਾਬੀ", "dir": "ltr"}, "hi": {"draft": True, "name": "हिन्दी", "dir": "ltr"},
        "bn": {"draft": True, "name": "বাংলা", "dir": "ltr"}}


@pytest.mark.parametrize("lang", sorted(HEADINGS))
def test_every_residents_page_is_in_the_language(site, lang):
    client, trader_id = site
    home = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="ltr">' in home
    assert HEADINGS[lang] in home and "Find things to do near you" not in home
    assert re.search(rf'hreflang="{lang}"[^>]*>{LANGUAGES[lang]["name"]}\s*<', home)  # the switcher names it in its own script
    results = client.get(f"/?lang={lang}&postcode=LE4+5AD").get_data(as_text=True)
    assert LIBRARY[lang] in results and "places near" not in results
    traders_page = client.get(f"/traders/?lang={lang}").get_data(as_text=True)
    assert TRUSTED[lang] in traders_page and "Trusted traders" not in traders_page
    pages = ["/map", "/assets/belgrave-library", "/assets/yoga-belgrave", "/wards", "/wards/belgrave", "/list",
             "/about", "/suggest", "/assets/belgrave-library/report", f"/traders/{trader_id}",
             f"/traders/{trader_id}/recommend", f"/traders/{trader_id}/report", "/traders/sheet?ward=belgrave",
             "/traders/?trade=plumber", f"{KIOSK}/", f"{KIOSK}/near", f"{KIOSK}/traders", f"{KIOSK}/trader/{trader_id}",
             f"{KIOSK}/this-week", "/no-such-page"]
    for url in pages:
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == (404 if url == "/no-such-page" else 200), url
        assert f'lang="{lang}"' in html, url
        # English words every page or kiosk screen would otherwise show: none left untranslated
        for english in ("Skip to main content", "Report a problem", "Start again", "Page not found"):
            assert english not in html, (url, english)


# Schedules said with the CLDR's day and month names and parts of the day, and the catalogue's own words.
SCHEDULES = {
    "hi": ["महीने का आख़िरी शुक्रवार, शाम 6:00 से रात 8:00 तक",
           "हर महीने की 1 और आख़िरी तारीख (समय पता नहीं)",
           "हर गुरुवार, सुबह 10:00 से दोपहर 12:00 तक, 25 मार्च 2027 तक, 24 दिसंबर 2026 और 31 दिसंबर 2026 को नहीं"],
    "pa": ["ਮਹੀਨੇ ਦਾ ਆਖ਼ਰੀ ਸ਼ੁੱਕਰਵਾਰ, ਸ਼ਾਮੀਂ 6:00 ਤੋਂ ਸ਼ਾਮੀਂ 8:00 ਤੱਕ",
           "ਹਰ ਮਹੀਨੇ ਦੀ 1 ਅਤੇ ਆਖ਼ਰੀ ਤਾਰੀਖ਼ (ਸਮਾਂ ਪਤਾ ਨਹੀਂ)",
           "ਹਰ ਵੀਰਵਾਰ, ਸਵੇਰੇ 10:00 ਤੋਂ ਦੁਪਹਿਰੇ 12:00 ਤੱਕ, 25 ਮਾਰਚ 2027 ਤੱਕ, 24 ਦਸੰਬਰ 2026 ਅਤੇ 31 ਦਸੰਬਰ 2026 ਨੂੰ ਨਹੀਂ"],
    "bn": ["মাসের শেষ শুক্রবার, 6:00 সন্ধ্যা থেকে 8:00 রাত্রি পর্যন্ত",
           "প্রতি মাসের 1 ও শেষ তারিখ (সময় জানা নেই)",
           "প্রতি বৃহস্পতিবার, 10:00 সকাল থেকে 12:00 দুপুর পর্যন্ত, 25 মার্চ 2027 পর্যন্ত, 24 ডিসেম্বর 2026 ও 31 ডিসেম্বর 2026 বাদে"],
}
# "%(num)d place(s)" for 0, 1 and 2: these languages (CLDR) say 0 with the singular, as 1.
PLACES = {"hi": ["0 जगह", "1 जगह", "2 जगहें"], "pa": ["0 ਥਾਂ", "1 ਥਾਂ", "2 ਥਾਵਾਂ"],
          "bn": ["0টি জায়গা", "1টি জায়গা", "2টি জায়গা"]}


@pytest.mark.parametrize("lang", sorted(SCHEDULES))
def test_schedules_dates_times_and_plurals_in_the_language(app, lang):
    schedules = ["Last Fri of the month 18:00-20:00", "1st and last day of the month",
                 "Thu 10:00-12:00 until 2027-03-25 not 2026-12-24,2026-12-31"]
    with app.test_request_context(f"/?lang={lang}"):
        assert [describe_session(parse_schedule(text)[0]) for text in schedules] == SCHEDULES[lang]
        assert [ngettext("%(num)d place", "%(num)d places", n) for n in (0, 1, 2)] == PLACES[lang]


def test_each_script_is_set_in_its_own_installed_noto_font():
    """site.css names each script's Noto Sans (so shared marks like the danda "।" come from it), and it is installed."""
    css = (PROJECT_ROOT / "app" / "static" / "site.css").read_text(encoding="utf-8")
    installed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    for lang, family in {"pa": "Noto Sans Gurmukhi", "hi": "Noto Sans Devanagari", "bn": "Noto Sans Bengali"}.items():
        rule = re.search(r":lang\(" + lang + r"\)\s*\{([^}]*)\}", css)
        assert rule and f'"{family}"' in rule.group(1), lang
        assert family in installed, f"{family} is missing: install Debian's fonts-noto-core (scripts/test does)"
