"""Rules about text that hold everywhere it goes: forms, mail headers, CSV rows."""

import unicodedata

# Cc: C0 and C1 controls (CR, LF, TAB, ESC...); Zl, Zp: the Unicode line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def is_single_line(text):
    """True if `text` has no line break or other control character."""
    return not any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in text or "")
