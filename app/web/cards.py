"""Result cards: the HTML of each listing in a list of results, made once and reused.

A page of 50 results spent most of its time (about 0.5 ms a card) rendering cards that were the
same a minute ago: a card changes only with the data, the reader's language, the day and when
the listing is next on. Only "how far" differs from one resident to the next, so each card is
kept with a hole for it (app/web/fragments.py), filled in for each page.
"""
from __future__ import annotations

from markupsafe import Markup

from app.assets.search import hydrate
from app.web.db import database_version, get_db
from app.web.fragments import Fragments, hole, template_macro
from app.web.i18n import current_language
from app.web.wording import describe_walk

# Enough for every card of a 10,000-listing area in one language (a few KB each).
_CARDS = Fragments(10_000)


def result_cards(results, today, heading_level: int = 3, pick: str | None = None) -> Markup:
    """Return the <li> of each result, as the `result_card` macro of _partials.html makes it.

    The results need not be hydrated (app.assets.search.hydrate): those whose card is made here are.
    """
    version, lang = database_version(), current_language()
    keys = [(version, lang, today, heading_level, pick, result.asset["id"], result.next_on, result.distance_m is None)
            for result in results]
    kept = [_CARDS.get(key) for key in keys]
    # Only the cards not kept need the listings' full details from the database.
    missing = [result for result, card in zip(results, kept) if card is None]
    filled = iter(hydrate(get_db(), missing)) if missing else iter(())
    macro, out = None, []
    for result, key, card in zip(results, keys, kept):
        if card is None:
            if macro is None:
                macro = template_macro("_partials.html", "result_card")
            result = next(filled)
            card = _CARDS.put(key, macro(result, today, heading_level, pick, hole("how_far")))
        out.append(card.fill(how_far=describe_walk(result.walk_minutes, result.distance_m)))
    return Markup("".join(out))




def init_app(app) -> None:
    app.jinja_env.globals["result_cards"] = result_cards
