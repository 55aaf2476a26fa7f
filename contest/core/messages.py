"""The English words for the core's own error codes (each feature has its own messages.py)."""

from contest.core.errors import register

register(
    {
        # `lead` is the caller's sentence ("Enter a valid email address..."), `reason` the
        # parser's particular complaint.
        "email.invalid": "{lead}",
        "email.invalid_because": "{lead} {reason}",
        "time.clocks_go_forward": (
            "There is no {local:%H:%M} on {day} {local:%B %Y} in {key}: the clocks go forward"
            " then. Pick another time."
        ),
        "time.too_far_off": (
            "{local:%d %B %Y} is too far off for a contest: choose a date in our time."
        ),
        "districts.not_a_domain": "“{domain}” is not an email domain (such as schools.k12.hi.us).",
        "districts.name_required": "Give the district a name.",
        "districts.name_taken": "There is already a district called {name}.",
        "districts.domain_taken": "{domain} already belongs to {name}.",
        "districts.merge_into_itself": "Choose another district to merge this one into.",
        "districts.merge_unknown": "That district is gone: choose one from the list.",
        "districts.merge_school_clash": (
            "Both districts have a school called {school}: rename one first, or reject the "
            "duplicate."
        ),
    }
)
