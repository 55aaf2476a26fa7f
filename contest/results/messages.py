"""The English words for the results package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        # The checks on the organizer's choices word each problem from the plan's facts
        # (results/choices.py); these carry them.
        "results.publication_problems": "{problems}",
        "results.captions_missing": "{problem}",
        "results.judging_unfinished": "{problem}",
        "results.entry_one_school_s": "That entry is not one of your school's.",
        "results.results_published_yet_feedback": (
            "The results are not published yet: feedback can be shared after."
        ),
        "results.these_results_already_published": (
            "These results are already published: un-publish them first."
        ),
        "results.give_reason_un_publishing": (
            "Give the reason for un-publishing: it is kept in the audit log."
        ),
        "results.these_results_published": "These results are not published.",
    }
)
