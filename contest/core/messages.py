"""The English words for the core's own error codes (each feature has its own messages.py)."""

from contest.core.errors import register

register(
    {
        # `lead` is the caller's sentence ("Enter a valid email address..."), `reason` the
        # parser's particular complaint.
        "email.invalid": "{lead}",
        "email.invalid_because": "{lead} {reason}",
    }
)
