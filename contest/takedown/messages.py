"""The English words for the takedown package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "takedown.keep_characters_fewer": "Keep the {what} to {limit} characters or fewer.",
        "takedown.give_reason_school_will": "Give the reason: the school will read it.",
        "takedown.email_address_too_long": "That email address is too long.",
        "takedown.choose_why_video_should": "Choose why the video should come down.",
        "takedown.video_already_hidden": "This video is already hidden.",
        "takedown.video_hidden": "This video is not hidden.",
        "takedown.say_why_video_stays": "Say why the video stays up.",
        "takedown.report_already_been_dealt": "This report has already been dealt with.",
    }
)
