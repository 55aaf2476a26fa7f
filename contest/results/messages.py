"""The English words for the results package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        # Every problem with the organizer's choices at once (a Listing of the phrases below).
        "results.publication_problems": "{problems}",
        # Why an entry may not win (plan.ineligibility).
        "results.entry_out_of_running": "“{title}” is {status}.",
        "results.entry_hidden": "“{title}” is hidden (taken down).",
        "results.entry_calibration_anchor": "“{title}” is a calibration anchor.",
        "results.entry_not_ready": "“{title}” is not ready (it is {status}).",
        "results.entry_consent_not_approved": (
            "“{title}”'s consent form is not approved (it is {status})."
        ),
        "results.entry_not_in_contest": "not in this contest",
        # The checks on the organizer's choices (choices.py).
        "results.entry_not_in": "That entry is not in {scope}.",
        "results.entry_cannot_win": "{why} It cannot win.",
        "results.choose_place": "Choose the {ordinal} place in {category}.",
        "results.choose_tied_place": (
            "Choose the {ordinal} place in {category}: {titles} are tied, choose their order."
        ),
        "results.no_counted_sheet": (
            "“{title}” has no counted score sheet, so it has no place to win."
        ),
        "results.chosen_twice": (
            "“{title}” is chosen for both {first} and {second} place in {category}."
        ),
        "results.no_such_place": (
            "{category} has {count} eligible ranked entries, so no {ordinal} place."
        ),
        "results.reason_for_place": "{ordinal}: {what}",
        "results.reason_tie": "resolving the tie between {titles}",
        "results.reason_not_leading": ("choosing “{title}”, which does not lead the counted votes"),
        "results.reason_instead": "choosing “{title}” instead of {titles}",
        "results.give_category_reason": (
            "Give the reason for {what} in {category}: it is published with the results."
        ),
        "results.give_reason": "Give the reason for {what}: it is published with the results.",
        "results.no_votes_no_award": "No vote was counted, so there is no People's Choice award.",
        "results.choose_peoples_choice": (
            "Choose the People's Choice winner: {counted} votes were counted."
        ),
        "results.captions_missing_one": (
            "{titles} has no captions. Add captions, or give the reason to publish without"
            " them: it is published with the results."
        ),
        "results.captions_missing": (
            "{titles} have no captions. Add captions, or give the reason to publish without"
            " them: it is published with the results."
        ),
        "results.voting_no_close": (
            "Voting has no closing time: set one, and publish once it has passed."
        ),
        "results.voting_still_open": (
            "Voting is still open (it closes {when}): publish once it has closed, so the"
            " People's Choice count is final."
        ),
        "results.judging_unfinished": (
            "{facts}. Publish once judging is finished, or give the reason to publish now: it is"
            " published with the results."
        ),
        "results.judging_open": "Judging is still open (it closes {when})",
        "results.judging_no_close": "Judging has no closing time",
        "results.judging_short_one": "1 entry has fewer than {judges} submitted score sheets",
        "results.judging_short": (
            "{count} entries have fewer than {judges} submitted score sheets"
        ),
        "results.nothing_to_publish": (
            "Nothing to publish: no category has an eligible ranked entry and no vote was counted."
        ),
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
