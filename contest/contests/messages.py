"""The English words for the contests package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "contests.retention_range": (
            "Keep originals for {lowest} to {highest} days after publication."
        ),
        "contests.name_too_long": "Keep the name to {limit} characters or fewer.",
        "contests.slug_too_long": "Keep the web address to {limit} characters or fewer.",
        "contests.size_out_of_range": "{label} must be between {low} MB and {high} MB.",
        "contests.rule_out_of_range": "{label} must be between {low} and {high}.",
        "contests.time_zone_know": "{name!r} is not a time zone we know.",
        "contests.give_contest_web_address": (
            "Give the contest a web address: its name has no letters or digits to make one from."
        ),
        "contests.use_lower_case_letters": (
            "Use lower-case letters, digits and single hyphens for the web address."
        ),
        "contests.another_contest_already_uses": (
            "Another contest already uses the address {slug!r}."
        ),
        "contests.name_licence_published_videos": (
            "Name the licence published videos are shared under."
        ),
        "contests.keep_licence_characters_fewer": (
            "Keep the licence to {LICENCE_LENGTH} characters or fewer."
        ),
        "contests.add_least_one_category": "Add at least one category.",
        "contests.categories_listed_twice": "Categories are listed twice: {join}.",
        "contests.keep_each_category_name": (
            "Keep each category name to {CATEGORY_LENGTH} characters or fewer."
        ),
        "contests.give_contest_name": "Give the contest a name.",
        "contests.already_entries_t_removed": (
            "{join} already {plural} entries and can't be removed."
        ),
        "contests.must_come_after": "{labels} must come after {lower}.",
    }
)
