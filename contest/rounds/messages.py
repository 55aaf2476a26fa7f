"""The English words for the rounds package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "rounds.already_closed": "{name} is closed already.",
        "rounds.previous_open": "Close {name} first: rounds close in order.",
        "rounds.early_close_reason": (
            "{name} runs until {until}: say why it closes early (the reason is on record)."
        ),
    }
)
