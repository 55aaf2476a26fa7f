"""The English words for the uploads package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "uploads.upload_needs_all_parts": "The upload needs all {expected} parts, each once.",
        "uploads.upload_holds_bytes_but": (
            "The upload holds {size} bytes but {length_value} were announced: the file "
            "changed or was cut short. Upload it again."
        ),
        "uploads.upload_video_itself_mp": (
            "{describe_kind} Upload the video itself (an MP4, MOV or WebM file)."
        ),
        "uploads.list_uploaded_parts_malformed": "The list of uploaded parts is malformed.",
        "uploads.school_already_unfinished_uploads": (
            "Your school already has {count} unfinished uploads, the most it may have at "
            "once. Let one of them finish, or cancel one, then start this one again."
        ),
        "uploads.school_s_unfinished_uploads": (
            "Your school's unfinished uploads already hold {reserved_gb:.1f} GB of the "
            "{limit_gb:.1f}"
            " GB they may hold together; this video needs {needed_gb:.1f} GB more. Let the "
            "others finish, or cancel one, then try again."
        ),
    }
)
