"""Signed, expiring link tokens (itsdangerous), one salt per purpose: invitations, address
confirmations, password resets. Single use comes from the database, not from the token."""

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from contest.core.errors import ValidationError


class ClockSigner(TimestampSigner):
    """A TimestampSigner that reads the time from `now` when given, like the other services."""

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self):
        return int(self.now.timestamp()) if self.now else super().get_timestamp()


def serializer(secret_key, purpose, now=None):
    return URLSafeTimedSerializer(
        secret_key,
        salt=f"psa-contest.{purpose}",
        signer=ClockSigner,
        signer_kwargs={"now": now},
    )


def load_token(secret_key, purpose, token, max_age, now=None):
    try:
        return serializer(secret_key, purpose, now).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationError("auth.link_expired_ask_new") from exc
    except BadSignature as exc:
        raise ValidationError("auth.link_valid_check_copied") from exc
