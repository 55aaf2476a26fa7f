"""The English words for the judging package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "rounds.top_required": "Say how many entries of each category advance (1 or more).",
        "rounds.threshold_required": "Say the score an entry needs to advance.",
        "rounds.reason_required": (
            "Give a reason for “{entry}”: every change to the proposal, and every pick, is "
            "recorded with its reason."
        ),
        "judging.sheet_locked": (
            "These scores were submitted and are locked. Ask the organizers to reopen the sheet "
            "if you need to change them."
        ),
        "judging.criteria_unscored": (
            "Score every criterion before submitting. Not scored yet: {missing}."
        ),
        "judging.choose_most_anchor_entries": (
            "Choose at most {MAX_ANCHORS} anchor entries ({wanted_count} chosen)."
        ),
        "judging.only_contest_s_ready": (
            "Only this contest's ready entries can be anchors: every judge must be able to "
            "play them."
        ),
        "judging.criterion_unnamed": "{label}: give it a name.",
        "judging.criterion_name_too_long": "{label}: keep the name to {limit} characters or fewer.",
        "judging.criterion_weight": "{label}: the weight must be a number more than 0.",
        "judging.criterion_scale_whole": "{label}: the scale runs between whole numbers.",
        "judging.criterion_scale_negative": "{label}: the lowest score can't be below 0.",
        "judging.criterion_scale_empty": "{label}: the highest score must be above the lowest.",
        "judging.criterion_too_many_levels": (
            "{label}: use at most {limit} levels (0 to 10, say); this has {levels}."
        ),
        "judging.criterion_descriptors": (
            "{label}: give one descriptor per level, {levels} for {low} to {high}, or none "
            "({given} given)."
        ),
        "judging.add_least_one_criterion": "Add at least one criterion.",
        "judging.category": "{name} is not a category of {name2}.",
        "judging.already_uses_contest_rubric": "{name} already uses the contest rubric.",
        "judging.sheet_submitted_s_own": (
            "{submitted} sheet{plural} submitted on {name}'s own rubric, so it stays; edit it "
            "instead."
        ),
        "judging.rubric_own": "{name} has no rubric of its own for {name2}.",
        "judging.another_criterion_already_name": (
            "{name}: another criterion already has this name."
        ),
        "judging.choose_categories_contest": "Choose categories of this contest.",
        "judging.judge_contest": "{email} is not a judge of this contest.",
        "judging.choose_school_name_district": "Choose a school or name a district.",
        "judging.entry_assigned": "This entry is not assigned to you.",
        "judging.say_why_conflict_longer": "Say why the conflict no longer holds.",
        "judging.sheet_submitted_stays_judge": "This sheet is submitted: it stays with its judge.",
        "judging.choose_another_judge": "Choose another judge.",
        "judging.does_judge_contest": "{email} does not judge this contest.",
        "judging.does_judge_category": "{email} does not judge this category.",
        "judging.conflict_entry": "{email} has a conflict with this entry.",
        "judging.already_entry": "{email} already has this entry.",
        "judging.score_sheet_belongs_another": "This score sheet belongs to another judge.",
        "judging.contest_rubric_yet_organizers": (
            "This contest has no rubric yet: the organizers must set one up."
        ),
        "judging.must_text": "The {label} must be text.",
        "judging.too_long_keep_under": (
            "The {label} is too long: keep it under {MAX_TEXT_LENGTH} characters."
        ),
        "judging.video_s_length_unknown": (
            "The video's length is unknown, so watching can't be recorded."
        ),
        "judging.send_list_most_start": "Send a list of at most {MAX_RANGES} [start, end] ranges.",
        "judging.contest_asks_judges_watch": (
            "This contest asks judges to watch the whole video before submitting. So far you "
            "have watched {watched_fraction:.0%} of it: play it to the end, then submit."
        ),
        "judging.only_organizers_reopen_score": "Only organizers can reopen a score sheet.",
        "judging.say_why_sheet_reopened": "Say why the sheet is reopened.",
        "judging.reason_too_long": "The reason is too long.",
        "judging.only_submitted_score_sheet": "Only a submitted score sheet can be reopened.",
        "judging.there_criterion_rubric": "There is no criterion {criterion_id!r} on this rubric.",
        "judging.choose_whole_number_from": "{name}: choose a whole number from {low} to {high}.",
        "judging.each_watched_range_must": (
            "Each watched range must be [start, end] in seconds, in order."
        ),
    }
)
