"""The English words for the submissions package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "submissions.credit_too_long": "Keep the credit line to {limit} characters or fewer.",
        "submissions.credit_full_name": (
            "“{part}” looks like a full name. Use first names only (for example "
            "“Maya, Leo and Sam”) or a team name, unless the consent forms allow full names."
        ),
        # `reason`: the media checks' own account of what is wrong with the file.
        "submissions.captions_unusable": "{reason}",
        "submissions.entry_takes_new_video": "This entry is {status_value}; it takes no new video.",
        "submissions.give_school_s_name": "Give your school's name.",
        "submissions.waiting_approval": "{name} is not waiting for approval.",
        "submissions.names_school": (
            "{what} {names}. Judging is blind to the school, so judges must not learn it"
            " from the entry: your change is saved, but reword it if you can."
        ),
        "submissions.entries_open_yet": "Entries for {name} are not open yet.",
        "submissions.deadline_passed_entries_longer": (
            "The deadline for {name} has passed, so entries can no longer be changed. Ask the"
            " organizers if your school needs an extension."
        ),
        "submissions.only_school_s_teachers": "Only your school's teachers can change its entries.",
        "submissions.school_s_registration_waiting": (
            "Your school's registration is waiting for the organizers' approval. You can "
            "enter videos once they have approved it; we will mail you then."
        ),
        "submissions.entry_longer_changed": (
            "This entry is {status_value} and can no longer be changed."
        ),
        "submissions.file_empty": "The file is empty.",
        "submissions.video_contest_accepts_videos": (
            "The video is {megabytes}; this contest accepts videos up to {megabytes2}."
        ),
        "submissions.give_entry_title": "Give the entry a title.",
        "submissions.keep_title_characters_fewer": (
            "Keep the title to {TITLE_LENGTH} characters or fewer."
        ),
        "submissions.choose_one_contest_s": "Choose one of the contest's categories.",
        "submissions.choose_one_contest_s_2": "Choose one of this contest's categories.",
        "submissions.entry_already_withdrawn": "This entry is already withdrawn.",
        "submissions.entry_was_disqualified_t": (
            "This entry was disqualified and can't be withdrawn."
        ),
        "submissions.consent_form_must_pdf": (
            "The consent form must be a PDF or a photo (PNG or JPEG); this file is neither."
        ),
        "submissions.give_reason_school_will": "Give the reason: the school will read it.",
        "submissions.entry_consent_form_waiting": (
            "This entry has no consent form waiting for a check."
        ),
        "submissions.entry_already": "This entry is already {status_value}.",
        "submissions.extension_must_end_after": (
            "An extension must end after the contest's own deadline."
        ),
        "submissions.school_already_entr_contest": (
            "Your school already has {taken} entr{plural} in {name}; this contest allows "
            "{entries_per_school_per_category} per school."
        ),
        "submissions.choose_deadline_our_time": "Choose a deadline in our time.",
    }
)
