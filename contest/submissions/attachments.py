"""What a school attaches to an entry beside its video: the signed consent form and the captions."""

import hashlib
import io
import secrets

from contest.core.audit import record
from contest.core.errors import NotAllowed, ValidationError
from contest.core.models.assets import Asset
from contest.core.statuses import FINAL_ENTRY_STATUSES, ConsentStatus
from contest.core.storage.base import display_name
from contest.submissions.captions import validate_captions
from contest.submissions.entries import check_teacher_of
from contest.submissions.media import MediaError, sniff

# --- consent forms and captions ---------------------------------------------------------------

CONSENT_KINDS = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


def check_can_attach(session, user, entry):
    """Consent forms and captions may be fixed after the deadline (an organizer may send a form
    back then), but never for a closed entry or by another school."""
    check_teacher_of(session, user, entry.school_id)
    if entry.status in FINAL_ENTRY_STATUSES:
        raise NotAllowed("submissions.entry_longer_changed", status_value=entry.status)


def _store(session, storage, folder, entry, data, content_type, extension, filename):
    """A new file of the entry, kept (a replaced one too) until retention deletes it; `folder`
    is its kind (consent, captions)."""
    key = f"{folder}/{entry.id}/{secrets.token_hex(12)}.{extension}"
    size = storage.save(key, io.BytesIO(data), content_type)
    asset = Asset(
        backend=storage.name,
        key=key,
        content_type=content_type,
        size_bytes=size,
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=display_name(filename),
        entry_id=entry.id,
        kind=folder,
    )
    session.add(asset)
    session.flush()
    return asset


def attach_consent(session, storage, user, entry, data, filename):
    """Store a signed consent form (a PDF or an image, judged by its content) for review."""
    check_can_attach(session, user, entry)
    kind = sniff(data) if data else None
    if kind not in CONSENT_KINDS:
        raise ValidationError(
            "submissions.consent_form_must_pdf",
            field="consent",
        )
    asset = _store(session, storage, "consent", entry, data, CONSENT_KINDS[kind], kind, filename)
    entry.consent_asset_id = asset.id
    entry.consent_status = ConsentStatus.PENDING
    entry.consent_reason = None
    record(session, user, "entry.consent_attached", entry, asset_id=asset.id)
    return asset


def attach_captions(session, storage, user, entry, data, filename):
    """Store WebVTT captions for the entry (required before publication)."""
    check_can_attach(session, user, entry)
    try:
        text = validate_captions(data)
    except MediaError as error:
        raise ValidationError(
            "submissions.captions_unusable", field="captions", reason=error.message
        ) from error
    asset = _store(session, storage, "captions", entry, text.encode(), "text/vtt", "vtt", filename)
    entry.captions_asset_id = asset.id
    record(session, user, "entry.captions_attached", entry, asset_id=asset.id)
    return asset
