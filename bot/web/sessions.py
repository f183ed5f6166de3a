"""The desk's session cookie: the id of the sign-in link that opened it and an expiry, signed with
HMAC-SHA256. A cookie that was not signed with the desk's secret, or has expired, opens nothing; one
whose link row was revoked (signed out, role taken away) opens nothing either (checked by the server)."""

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


def session_value(secret: bytes, link_id: int, now: datetime) -> str:
    payload = f"{link_id}.{int((now + LIFETIME).timestamp())}"
    return f"{payload}.{_signature(secret, payload)}"


def session_link(secret: bytes, value: str | None, now: datetime) -> int | None:
    """The sign-in link id a cookie carries, if its signature holds and it has not expired."""
    # A cookie is whatever the browser sends: anything but ASCII is no cookie of ours (and would
    # make compare_digest raise).
    if not value or not value.isascii() or value.count(".") != 2:
        return None
    link, expires, signature = value.split(".")
    if not hmac.compare_digest(signature, _signature(secret, f"{link}.{expires}")):
        return None
    if not (link.isdigit() and expires.isdigit()) or int(expires) <= now.timestamp():
        return None
    return int(link)
