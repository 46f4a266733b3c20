"""Polish and Somali: every residents' page, the trader directory and the kiosk render in each, in its words."""
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
HOME = {"pl": "Znajdź zajęcia blisko Ciebie", "so": "Hel waxyaabo aad samayn karto oo kuu dhow"}
# The library category, translated, on a page of results near Belgrave.
LIBRARY = {"pl": "Biblioteka", "so": "Maktabad"}


@pytest.fixture(scope="module")
def site(built_db, area, tmp_path_factory):
    """The built map with a listed trader and Belgrave Library's kiosk; its pages only read it."""
    path = tmp_path_factory.mktemp("languages") / "site.db"
    shutil.copy(built_db[0], path)
    database = store.connect(path)
    store.migrate_connection(database.conn)
    save_kiosk(database, area, User(1, "Asha", "connector"), {"name": "Belgrave Library", "place": "belgrave-library"})
    trader_id = listed(database)
    database.conn.close()
    app = create_app({"TESTING": True, "DATABASE": str(path), "TILE_URL": "", "NOW": NOW, "SECRET_KEY": "test only"})
    return app, trader_id


@pytest.mark.parametrize("lang", sorted(HOME))
def test_every_residents_page_renders_in_the_language(site, lang):
    app, trader_id = site
    assert LANGUAGES[lang]["dir"] == "ltr"
    client = app.test_client()
    pages = ["/", "/?postcode=LE4+5AD", "/assets/belgrave-library", "/map", "/wards", "/wards/belgrave", "/list",
             "/about", "/suggest", "/open-data", "/traders/", "/traders/?trade=plumber", f"/traders/{trader_id}",
             f"/traders/{trader_id}/recommend", "/kiosk/belgrave-library/", "/kiosk/belgrave-library/traders",
             "/kiosk/belgrave-library/today"]
    for url in pages:
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}", follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}" dir="ltr"' in html, url
    home = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert HOME[lang] in home and "Find things to do near you" not in home
    results = client.get(f"/?lang={lang}&postcode=LE4+5AD").get_data(as_text=True)
    assert LIBRARY[lang] in results and ">Library<" not in results


def test_polish_says_plurals_in_its_three_forms_and_dates_and_days_from_the_cldr(app):
    with app.test_request_context("/?lang=pl"):
        places = [ngettext("%(num)d place", "%(num)d places", n) for n in (1, 2, 5, 12, 22, 25)]
        assert places == ["1 miejsce", "2 miejsca", "5 miejsc", "12 miejsc", "22 miejsca", "25 miejsc"]
        assert day_name(2) == "środa" and clock("14:30") == "14:30"
        words = describe_session(parse_schedule("1st and 3rd Wed 10:00-12:00 until 2027-03-25")[0])
        assert words == "Co miesiąc: środa w 1. i 3. tygodniu, od 10:00 do 12:00, do 25 marca 2027"


def test_somali_says_plurals_days_and_times_in_its_own_words(app):
    with app.test_request_context("/?lang=so"):
        assert [ngettext("%(num)d place", "%(num)d places", n) for n in (1, 4)] == ["1 meel", "4 meelood"]
        said = clock("10:00"), clock("14:30")
        assert said == ("10:00 GH", "2:30 GD")  # CLDR's Somali for before and after noon, never AM/PM
        words = describe_session(parse_schedule("Mon-Fri 09:00-17:00 from 2026-12-07")[0])
        assert words == "Toddobaad kasta: Isniin ilaa Jimco, 9:00 GH ilaa 5:00 GD, laga bilaabo 7 Diseembar 2026"
        assert not re.search(r"\b(AM|PM|Every|Monday)\b", words)
