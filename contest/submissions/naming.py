"""Does a teacher's text name the school? Judging is blind to the school, so a title, a
description or captions that name it (or its district) get a warning: saved all the same, since
only the teacher can tell a coincidence ("Lincoln" the president) from a give-away.

Plain functions over plain text."""

import re

# Words that say what kind of place a school or district is; they name nothing by themselves.
# fmt: off
GENERIC = frozenset({
    "school", "schools", "high", "middle", "junior", "senior", "elementary", "primary",
    "secondary", "academy", "college", "charter", "public", "private", "magnet", "intermediate",
    "upper", "lower", "prep", "preparatory", "center", "centre", "campus", "institute",
    "district", "unified", "county", "city", "area", "regional", "department", "education", "of",
    "the", "and", "for", "at", "in", "st", "saint",
})
# fmt: on
SHORTEST = 4  # shorter distinctive words ("Ala", "Kai") match too much ordinary text


def _words(text):
    return re.findall(r"[^\W_]+", text)  # "Carver's" holds the word "Carver"


def _key(words):
    return " ".join(word.casefold() for word in words)


def identifying_names(*names):
    """What would name a school or district in a text: each full name, and each distinctive
    word of it (not generic, at least SHORTEST letters), as {key to look for: the name as the
    school writes it}. Keys are case-folded."""
    found = {}
    for name in names:
        words = _words(name or "")
        if not words:
            continue
        found[_key(words)] = " ".join(words)
        for word in words:
            key = word.casefold()
            if key not in GENERIC and len(key) >= SHORTEST:
                found.setdefault(key, word)
    return found


def names_in(text, names):
    """The names (from identifying_names) that `text` contains as whole words in any case,
    as the school writes them, longest first."""
    words = f" {_key(_words(text or ''))} "
    return [
        names[key]
        for key in sorted((key for key in names if f" {key} " in words), key=lambda k: (-len(k), k))
    ]


def school_named(school_name, district, texts):
    """[(label, names)] for each of `texts` ({label: text}) that names the school or district."""
    names = identifying_names(school_name, district)
    return [(label, found) for label, text in texts.items() if (found := names_in(text, names))]
