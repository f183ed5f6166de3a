"""The desk's session cookie: the person's id and an expiry, signed with HMAC-SHA256. Nothing to
store: a cookie that was not signed with the desk's secret, or has expired, opens nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Final

COOKIE: Final = "hcbot_desk"
LANGUAGE_COOKIE: Final = "hcbot_desk_language"
LIFETIME: Final = timedelta(hours=12)


def _signature(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def session_value(secret: bytes, person_id: int, now: datetime) -> str:
    payload = f"{person_id}.{int((now + LIFETIME).timestamp())}"
    return f"{payload}.{_signature(secret, payload)}"


def session_person(secret: bytes, value: str | None, now: datetime) -> int | None:
    """The person id a cookie carries, if its signature holds and it has not expired."""
    if not value or value.count(".") != 2:
        return None
    person, expires, signature = value.split(".")
    if not hmac.compare_digest(signature, _signature(secret, f"{person}.{expires}")):
        return None
    if not (person.isdigit() and expires.isdigit()) or int(expires) <= now.timestamp():
        return None
    return int(person)
