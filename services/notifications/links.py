"""Signed acknowledge links: open a notice from a message; they expire with the deadline.

The link only opens the notice page: acknowledging still needs a signed-in user and the button.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode


def _mac(secret: bytes, notice_id: str, agency: str, expires: int) -> str:
    return hmac.new(secret, f"{notice_id}|{agency}|{expires}".encode(), hashlib.sha256).hexdigest()


def ack_link(base_url: str, secret: bytes, notice_id: str, agency: str, deadline: str) -> str:
    expires = int(datetime.fromisoformat(deadline).timestamp())
    query = urlencode({"agency": agency, "expires": expires,
                       "sig": _mac(secret, notice_id, agency, expires)})
    return f"{base_url.rstrip('/')}/ui/ack/{notice_id}?{query}"


def link_problem(secret: bytes, notice_id: str, agency: str, expires: int, sig: str,
                 now: datetime) -> str | None:
    """Why a link is refused (tampered or expired), or None when it is good."""
    if not hmac.compare_digest(_mac(secret, notice_id, agency, expires), sig):
        return "bad signature"
    if now.timestamp() > expires:
        return "expired"
    return None
