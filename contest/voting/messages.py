"""The English words for the voting package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "voting.keep_reason_characters_fewer": (
            "Keep the reason to {VOID_REASON_LENGTH} characters or fewer."
        ),
        "voting.vote_contest_receipt": "No vote in this contest has the receipt {receipt!r}.",
        "voting.vote_already_voided": "The vote {receipt!r} is already voided ({void_reason}).",
        "voting.flag_longer_stands_votes": (
            "That flag no longer stands (its votes may already be voided): reload the page."
        ),
        "voting.unknown_entry": (
            "There is no entry with that number. Check the link, or choose from the list."
        ),
        "voting.ineligible_entry": (
            "That entry is not part of the People's Choice vote: it may have been withdrawn or "
            "is not ready to be shown. Choose another entry from the list."
        ),
        "voting.not_open": "Voting has not opened yet.",
        "voting.closed": "Voting has closed.",
        "voting.wrong_code": (
            "That code is not right. Check the email we sent and type its 6 digits."
        ),
        "voting.wrong_code_one_try_left": (
            "That code is not right. Check the email we sent and type its 6 digits. 1 try left."
        ),
        "voting.wrong_code_tries_left": (
            "That code is not right. Check the email we sent and type its 6 digits. "
            "{left} tries left."
        ),
        "voting.expired_code": (
            "This code has expired. Ask for a new one: it is valid for {minutes} minutes."
        ),
        "voting.disposable_email": (
            "Addresses from throwaway-mailbox services cannot vote. Use an address you keep, "
            "such as your school or personal email."
        ),
        "voting.no_void_reason": "Give a reason for voiding: it is published with the tally.",
        "voting.dead_code": "Too many wrong tries: this code no longer works. Ask for a new one.",
        "voting.unknown_link": (
            "This confirmation link is not valid. Check that you opened the whole link."
        ),
    }
)
