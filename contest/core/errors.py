"""The errors services raise: a code, its parameters and the field they belong to.

Services never hold words. A code (`"entry.title_taken"`) names the rule broken, parameters fill
in the particulars, and the edge (a page, the API, a command) renders it in the reader's words
with `describe`. Each feature registers the English wording of its codes in its own `messages`
module, so the catalog a translation needs is the union of those modules.
"""

_CATALOG = {}


def register(messages):
    """Add `messages` (code -> English template with `{name}` parameters) to the catalog.

    A code registered twice with other words is a mistake: one rule, one wording."""
    for code, template in messages.items():
        if _CATALOG.setdefault(code, template) != template:
            raise ValueError(f"error code {code!r} is registered with two wordings")
    return messages


def catalog():
    """Every registered code and its English template (a copy)."""
    return dict(_CATALOG)


def describe(code, params=None):
    """The English words for `code` with `params` filled in (a Phrase parameter in its words)."""
    return _CATALOG[code].format(**(params or {}))


class Phrase:
    """A registered code with its parameters, for a domain function that reports something
    (a problem, a reason) rather than raising it: the words are made when it is shown."""

    def __init__(self, code, **params):
        if code not in _CATALOG:
            raise LookupError(f"unregistered code {code!r}: add it to a messages module")
        self.code, self.params = code, params

    def __str__(self):
        return describe(self.code, self.params)

    def __eq__(self, other):
        return isinstance(other, Phrase) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self):
        return hash(self.code)

    def __repr__(self):
        return f"Phrase({self.code!r}, {self.params!r})"


class Listing(tuple):
    """Phrases shown one after another (`separator` between them), words made when shown."""

    def __new__(cls, items, separator=" "):
        listing = super().__new__(cls, items)
        listing.separator = separator
        return listing

    def __str__(self):
        return self.separator.join(str(item) for item in self)


class ContestError(Exception):
    """Base of the errors a service raises. `field` names the form field the error belongs to."""

    def __init__(self, code, field=None, **params):
        if code not in _CATALOG:
            raise LookupError(f"unregistered error code {code!r}: add it to a messages module")
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params

    @property
    def message(self):
        """The English words (the edge's default language)."""
        return describe(self.code, self.params)

    def __str__(self):
        return self.message


class ValidationError(ContestError):
    """The input breaks a rule."""


class NotAllowed(ContestError):
    """The user may not do this."""


class PhaseClosed(ContestError):
    """The contest is not in the phase this action needs (a deadline has passed, say)."""


class Throttled(ContestError):
    """Too many attempts; try again after `retry_after` seconds."""

    def __init__(self, code, retry_after, field=None, **params):
        super().__init__(code, field, **params)
        self.retry_after = retry_after
