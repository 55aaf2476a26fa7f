"""Domain errors carry a code, parameters and a field; the words come from the catalog."""

import pytest

from contest.core.errors import (
    ContestError,
    Listing,
    NotAllowed,
    Phrase,
    Throttled,
    catalog,
    describe,
    register,
)

register({"test.words": "Wait {seconds} seconds."})


def test_an_error_is_a_code_with_parameters_rendered_at_the_edge():
    error = Throttled("test.words", retry_after=30, field="email", seconds=30)
    assert (error.code, error.field, error.params) == ("test.words", "email", {"seconds": 30})
    assert error.message == str(error) == "Wait 30 seconds." == describe("test.words", error.params)
    assert error.retry_after == 30 and isinstance(error, ContestError)


def test_an_unregistered_code_is_refused_where_it_is_raised():
    with pytest.raises(LookupError, match="unregistered error code 'test.nowhere'"):
        NotAllowed("test.nowhere")


def test_one_code_has_one_wording():
    register({"test.words": "Wait {seconds} seconds."})  # the same again is harmless
    with pytest.raises(ValueError, match="two wordings"):
        register({"test.words": "Hold on."})
    assert catalog()["test.words"] == "Wait {seconds} seconds."


def test_a_phrase_is_a_code_and_parameters_worded_when_shown():
    register({"test.phrase": "“{title}” is {status}.", "test.wrapper": "{why} It cannot win."})
    phrase = Phrase("test.phrase", title="Be Kind", status="withdrawn")
    wrapped = Phrase("test.wrapper", why=phrase)
    assert (wrapped.code, wrapped.params["why"]) == ("test.wrapper", phrase)
    assert str(wrapped) == "“Be Kind” is withdrawn. It cannot win."
    assert str(Listing([phrase, phrase], separator="; ")) == (
        "“Be Kind” is withdrawn.; “Be Kind” is withdrawn."
    )
    with pytest.raises(LookupError):
        Phrase("test.nobody_registered_this")
