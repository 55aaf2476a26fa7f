"""The English words for the rounds package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "rounds.already_closed": "{name} is closed already.",
        "rounds.name_required": "Give the round a name (such as Screening or Finals).",
        "rounds.name_too_long": "Keep the round's name to {limit} characters or fewer.",
        "rounds.mode_unknown": "Choose how the judges judge in this round.",
        "rounds.judges_range": "Judges per entry must be between {low} and {high}.",
        "rounds.rule_unknown": "Choose who moves on from this round.",
        "rounds.closes_before_opens": "The round must close after it opens.",
        "rounds.opens_before_previous_closes": (
            "This round opens before {name} closes ({when}): rounds follow each other."
        ),
        "rounds.closed_no_change": "{name} is closed: its settings stay as they were judged.",
        "rounds.last_round": "{name} is the contest's only round: a contest needs one at least.",
        "rounds.round_in_use": (
            "{name} has entries given to judges or is closed: it stays, so nothing judged is lost."
        ),
        "rounds.previous_open": "Close {name} first: rounds close in order.",
        "rounds.early_close_reason": (
            "{name} runs until {until}: say why it closes early (the reason is on record)."
        ),
    }
)
