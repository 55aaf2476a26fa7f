"""Property-based tests (hypothesis): hostile form fields, JSON bodies and tus headers never get
a 500, and never lose or corrupt what was saved before them; what is shown back is escaped.

The strategies the test modules share live here. HTTP carries no surrogates, so text is drawn
from every other code point, with control characters, NUL, bidi marks, combining marks and
emoji made likely rather than left to chance.
"""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# A modest number of examples per route keeps tests/fuzz within two minutes on one core. The
# database is emptied per test function, not per example: examples share a test's rows.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ANY_CHAR = st.characters(codec="utf-8")  # every code point but the surrogates
TRICKY_PIECES = st.sampled_from(
    [
        "\x00", "\x07", "\x1b", "\x7f", "\r", "\n", "\t", "\x0b", "\x0c", "\x85",
        "\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069",
        "\u0301", "\u0336", "\u20dd", "\ufeff", "\ufffd", "\uffff", "\U0010ffff",
        "\U0001f600", "\U0001f469\u200d\U0001f4bb", "\U0001f1fa\U0001f1f8", "\ufdfd",
        "\u00b2", "\u0663", "\uff11", "\u2167", "ß", "İ", "ﬃ", "<", ">", "&", '"', "'", "\\",
        "%", "{", "}", "$", "`", ";", "--", "/", "..",
    ]
)  # fmt: skip
DIGIT_LOOKALIKES = st.text(
    st.characters(categories=["Nd", "No", "Nl"]) | st.sampled_from("0123456789-+. "),
    min_size=1,
    max_size=8,
)


def _repeated(unit, times):
    return unit * times


hostile_text = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.lists(TRICKY_PIECES | ANY_CHAR, min_size=1, max_size=20).map("".join),
    st.text(st.characters(categories=["Cc", "Cf", "Mn", "Me", "Zl", "Zp", "Zs", "Co", "Cn"])),
    # Over-long values, past every field's limit (up to ~20,000 characters).
    st.builds(
        _repeated,
        st.sampled_from(["a", "é", "\U0001f600", "\x00", "e\u0301", "<b>", " "]),
        st.integers(min_value=100, max_value=20_000),
    ),
)
hostile_number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "-1", "2147483648", "9223372036854775808", "1e309", "NaN", "-0"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(_repeated, st.just("9"), st.integers(min_value=19, max_value=5000)),
    DIGIT_LOOKALIKES,
)
hostile_datetime = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
    st.sampled_from(
        [
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "9999-12-31 23:59",
            "2026-02-30T10:00",
            "2026-13-01T10:00",
            "2026-03-01T25:61",
            "2026-03-01T17:00:60",
            "2026-03-01",
            "T",
            "2026-03-08T02:30",
            "2026-11-01T01:30",
        ]
    ),  # fmt: skip
)
hostile_value = st.one_of(hostile_text, hostile_number, hostile_datetime)
