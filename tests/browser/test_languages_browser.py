"""Every language on a 320 px phone: home, results, a listing, the map and the trader directory.

For each page: <html lang dir> right, nothing scrolls sideways, axe-core clean, and the text is
drawn in a real font. The font check asks Chromium (DevTools' CSS.getPlatformFontsForNode) which
installed fonts it drew the page's heading and first paragraph with, then reads those fonts'
character maps with fontTools: every character of the text must be in one of them. A character no
font has would be drawn as an empty box, from a font whose map does not hold it, and fail here.
"""
from __future__ import annotations

import subprocess
from functools import lru_cache

import pytest

from app.web.i18n import LANGUAGES

from .conftest import SCREENSHOTS, run_axe

PAGES = {"home": "/", "results": "/?postcode=LE4+5AD", "listing": "/assets/belgrave-library",
         "map": "/map", "traders": "/traders"}
PHONE = {"width": 320, "height": 740}
SAMPLES = ("main h1", "main p")


@lru_cache(maxsize=None)
def characters_of(family: str) -> frozenset[int]:
    """The code points an installed font family has glyphs for (its regular face, as fontconfig finds it)."""
    from fontTools.ttLib import TTCollection, TTFont

    path = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True).stdout
    fonts = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path, lazy=True)]
    return frozenset(code for font in fonts for code in font.getBestCmap())


def drawn_in_real_fonts(page, cdp) -> list[str]:
    """For the page's heading and first paragraph: the characters no font Chromium used can draw."""
    missing = []
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    for selector in SAMPLES:
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            continue
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        text = page.inner_text(selector)
        covered = frozenset().union(*(characters_of(f["familyName"]) for f in fonts)) if fonts else frozenset()
        missing += [f"{selector}: {ch!r} (U+{ord(ch):04X}) not in {[f['familyName'] for f in fonts]}"
                    for ch in sorted(set(text)) if not ch.isspace() and ord(ch) not in covered]
    return missing


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_page_in_every_language_reads_right_on_a_small_phone(browser, live_server, code):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for name, path in PAGES.items():
            page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={code}")
            where = f"{code} {name}"
            assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == \
                [code, LANGUAGES[code]["dir"]], where
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{where}: sideways scroll"
            assert drawn_in_real_fonts(page, cdp) == [], where
            assert run_axe(page) == [], where
            page.screenshot(path=str(SCREENSHOTS / f"language-{code}-{name}.png"), full_page=False)
        assert errors == []
    finally:
        context.close()
