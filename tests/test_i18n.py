from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT
from app.web.i18n import LANGUAGES, TRANSLATIONS

KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]


def source_messages() -> set[str]:
    """Every string the code and templates pass through gettext, read from the source now."""
    found = set()
    for *_, message, _comments, _context in extract_from_dir(str(PROJECT_ROOT), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_string_is_translated_in_every_language():
    messages = source_messages()
    assert len(messages) > 100
    for code in LANGUAGES:
        if code == "en":
            continue
        with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle)
        missing = sorted(m for m in messages if not catalog.get(m) or not all(
            [catalog.get(m).string] if isinstance(catalog.get(m).string, str) else catalog.get(m).string))
        assert missing == [], f"{code}: untranslated: {missing[:10]}"
        assert [(m.id, errors) for m, errors in catalog.check() if errors] == []
        assert catalog.plural_forms


def test_pages_are_in_gujarati(client):
    html = client.get("/?lang=gu").get_data(as_text=True)
    assert '<html lang="gu" dir="ltr">' in html
    assert "તમારી નજીક" in html and "Find things to do near you" not in html
    results = client.get("/?lang=gu&postcode=LE4+6JD").get_data(as_text=True)
    assert "લાઇબ્રેરી" in results or "પુસ્તકાલય" in results  # the category, translated


def test_a_request_s_language_is_remembered_but_force_locale_still_switches_it(app):
    from flask_babel import force_locale

    from app.web.i18n import gettext

    with app.test_request_context("/?lang=gu"):
        assert gettext("Cost") == "ખર્ચ"
        with force_locale("en"):
            assert gettext("Cost") == "Cost"  # an email or sheet made in another language
        assert gettext("Cost") == "ખર્ચ"
    with app.test_request_context("/"):
        assert gettext("Cost") == "Cost"  # the next request starts afresh


def test_an_expired_form_is_explained_on_a_page_of_the_site_in_the_reader_s_language(client):
    response = client.post("/suggest?lang=gu", data={"name": "Chair yoga"}, headers={"Origin": "http://localhost"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "આ ફોર્મની મુદત પૂરી થઈ ગઈ છે" in html and "This form has expired" not in html
    assert 'lang="gu"' in html and "<h1>આ ફોર્મ મોકલી શકાયું નહીં.</h1>" in html
    english = client.post("/suggest", data={"name": "Chair yoga"}, headers={"Origin": "http://localhost"})
    assert "This form has expired or did not come from this site" in english.get_data(as_text=True)
    assert "<h1>This form could not be sent.</h1>" in english.get_data(as_text=True)


def test_each_catalogue_keeps_to_its_glossary():
    """The agreed terms (app/translations/<lang>/glossary.csv): forms to avoid never appear, required ones do."""
    import csv
    import re

    checked = 0
    for code in LANGUAGES:
        glossary = TRANSLATIONS / code / "glossary.csv"
        if not glossary.exists():
            continue
        with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle)
        with open(glossary, encoding="utf-8", newline="") as handle:
            terms = list(csv.DictReader(handle))
        problems = []
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            texts = message.string if isinstance(message.string, tuple) else (message.string,)
            texts = tuple(re.sub(r"%\(\w+\)[-#0 +.\d]*[a-z]", "", t) for t in texts)  # "%(km)g" is not a word
            for term in terms:
                if term["avoid"] and any(term["avoid"] in t for t in texts):
                    problems.append(f"{ids[0]!r} uses {term['avoid']!r}; the glossary says {term['gujarati']!r}")
                pattern = term["required_in_msgids_matching"]
                if pattern and re.search(pattern, ids[0]) and not all(term["gujarati"] in t for t in texts):
                    problems.append(f"{ids[0]!r} should say {term['gujarati']!r} ({term['english']})")
                checked += 1
        assert problems == [], f"{code}: " + "\n".join(problems)
    assert checked > 1000  # the Gujarati glossary was read and applied to the whole catalogue


def test_times_are_said_in_the_reader_s_own_words_for_morning_and_afternoon(client):
    from flask_babel import force_locale

    from app.web.wording import clock

    with client.application.test_request_context("/?lang=gu"):
        with force_locale("gu"):
            said = clock("10:00"), clock("14:30"), clock("19:00")
    assert said == ("10:00 સવારે", "2:30 બપોરે", "7:00 સાંજે")
    assert not any("AM" in s or "PM" in s for s in said)


def test_draft_translations_say_so_in_their_own_words_and_invite_corrections(client):
    from app.web.i18n import LANGUAGES

    drafts = [code for code, language in LANGUAGES.items() if language.get("draft")]
    assert {"pa", "pl", "so", "bn", "hi"} <= set(drafts) and "en" not in drafts
    english = client.get("/").get_data(as_text=True)
    assert 'hreflang="pl"' in english and 'class="draft-note"' not in english
    # Under the switcher, in the reader's own language: this is a draft, help us put it right.
    punjabi = client.get("/?lang=pa").get_data(as_text=True)
    assert "ਇਹ ਅਨੁਵਾਦ ਪਹਿਲਾ ਖਰੜਾ ਹੈ।" in punjabi and 'href="/about?lang=pa#translations"' in punjabi
    assert 'class="draft-note"' not in client.get("/?lang=gu").get_data(as_text=True)  # read by a fluent reader
    # The About page lists every language, each draft marked "first draft" in its own words.
    about = client.get("/about?lang=pl").get_data(as_text=True)
    assert 'id="translations"' in about and "Niektóre tłumaczenia to wersje robocze" in about
    assert 'href="/suggest?lang=pl"' in about
    assert "Polski (wersja robocza)" in about and "ਪੰਜਾਬੀ (ਪਹਿਲਾ ਖਰੜਾ)" in about and "ગુજરાતી (" not in about
