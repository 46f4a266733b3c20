"""Urdu and Arabic: every residents' page, the trader directory and the kiosk render right to left, in their words."""
import re
import shutil

import pytest
from test_traders import listed
from test_workspace import NOW

from app import create_app, store
from app.accounts import User
from app.assets.schedule import parse_schedule
from app.kiosks.kiosk import save_kiosk
from app.web.i18n import LANGUAGES, ngettext
from app.web.wording import clock, day_name, describe_session

# A phrase of each language's home page (its heading, "Find things to do near you").
HOME = {"ur": "اپنے قریب کرنے کو کچھ تلاش کریں", "ar": "ابحث عن أنشطة قربك"}
# The library category, translated, on a page of results near Belgrave.
LIBRARY = {"ur": "لائبریری", "ar": "مكتبة"}


@pytest.fixture(scope="module")
def site(built_db, area, tmp_path_factory):
    """The built map with a listed trader and Belgrave Library's kiosk; its pages only read it."""
    path = tmp_path_factory.mktemp("rtl") / "site.db"
    shutil.copy(built_db[0], path)
    database = store.connect(path)
    store.migrate_connection(database.conn)
    save_kiosk(database, area, User(1, "Asha", "connector"), {"name": "Belgrave Library", "place": "belgrave-library"})
    trader_id = listed(database)
    database.conn.close()
    app = create_app({"TESTING": True, "DATABASE": str(path), "TILE_URL": "", "NOW": NOW, "SECRET_KEY": "test only"})
    return app, trader_id


@pytest.mark.parametrize("lang", sorted(HOME))
def test_every_residents_page_renders_right_to_left_in_the_language(site, lang):
    app, trader_id = site
    assert LANGUAGES[lang]["dir"] == "rtl" and LANGUAGES[lang]["draft"]
    client = app.test_client()
    pages = ["/", "/?postcode=LE4+5AD", "/assets/belgrave-library", "/map", "/wards", "/wards/belgrave", "/list",
             "/about", "/suggest", "/open-data", "/traders/", "/traders/?trade=plumber", f"/traders/{trader_id}",
             f"/traders/{trader_id}/recommend", "/kiosk/belgrave-library/", "/kiosk/belgrave-library/traders",
             "/kiosk/belgrave-library/today"]
    for url in pages:
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}", follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}" dir="rtl"' in html, url
    home = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert HOME[lang] in home and "Find things to do near you" not in home
    results = client.get(f"/?lang={lang}&postcode=LE4+5AD").get_data(as_text=True)
    assert LIBRARY[lang] in results and ">Library<" not in results


def test_arabic_says_plurals_in_its_six_forms(app):
    with app.test_request_context("/?lang=ar"):
        places = [ngettext("%(num)d place", "%(num)d places", n) for n in (0, 1, 2, 5, 11, 100)]
        assert places == ["0 مكان", "1 مكان", "2 مكانان", "5 أماكن", "11 مكانًا", "100 مكان"]


SAID = {  # Wednesday; 10am and 2:30pm with CLDR's words for the time of day, never AM/PM; a weekday schedule
    "ur": ("بدھ", "10:00 صبح", "2:30 دوپہر", "ہر پیر سے جمعہ تک، 9:00 صبح سے 5:00 سہ پہر تک، 7 دسمبر 2026 سے"),
    "ar": ("الأربعاء", "10:00 ص", "2:30 بعد الظهر",
           "كل أسبوع: من الاثنين إلى الجمعة، من 9:00 ص إلى 5:00 بعد الظهر، من 7 ديسمبر 2026"),
}


@pytest.mark.parametrize("lang", sorted(SAID))
def test_days_times_and_dates_come_from_the_cldr(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        words = describe_session(parse_schedule("Mon-Fri 09:00-17:00 from 2026-12-07")[0])
        assert (day_name(2), clock("10:00"), clock("14:30"), words) == SAID[lang]
        assert not re.search(r"\b(AM|PM|Every|Monday|December)\b", words)
