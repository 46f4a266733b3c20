"""How people write "yes" in forms, spreadsheets and URLs: one reading of a true value everywhere."""
from __future__ import annotations

TRUE_WORDS = frozenset({"1", "on", "true", "yes", "y"})


def truthy(value) -> bool:
    """Say whether a form, CSV or query value means yes ('1', 'on', 'true', 'yes'; any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return str(value or "").strip().lower() in TRUE_WORDS
