"""The notifier's channels: email over SMTP, the generic signed JSON webhook, 企业微信 and 钉钉
group robots (markdown), and SMS through an HTTP gateway. Secrets are never logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from services.notifications.messages import Message
from services.notifications.sender import Channel, Result
from services.ports import Doc

# Robot answers that mean "too many messages, later": 企业微信 45009, 钉钉 130101.
RATE_LIMITED = {45009, 130101}


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The generic webhook's signature: HMAC-SHA256 over "<timestamp>.<body>", hex."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def dingtalk_url(url: str, secret: str, now_ms: int) -> str:
    """钉钉 加签: timestamp and sign (base64 HMAC-SHA256 of "timestamp\\nsecret") in the query."""
    mac = hmac.new(secret.encode(), f"{now_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign_ = urllib.parse.quote_plus(base64.b64encode(mac).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={now_ms}&sign={sign_}"


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         robot: bool = False) -> Result:
    """POST and classify the answer: 2xx sent, 5xx / 429 / timeout retried, other 4xx failed."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text = resp.status, resp.read(4000).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read(4000).decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        return Result("transient", f"no answer: {type(reason).__name__}: {reason}"[:500])
    answer = f"HTTP {status}: {text}"
    if status >= 500 or status == 429:
        return Result("transient", answer)
    if status >= 400:
        return Result("failed", answer)
    if robot:  # the robots answer 200 with an errcode
        try:
            code = int(json.loads(text).get("errcode", 0))
        except (ValueError, AttributeError):
            code = 0
        if code in RATE_LIMITED:
            return Result("transient", answer)
        if code != 0:
            return Result("failed", answer)
    return Result("sent", answer)


class WebhookChannel(Channel):
    """`secret_of(agency, contact_id)`: the contact's own secret, kept outside the events."""

    def __init__(self, default_secret: str | None, timeout: float,
                 secret_of: Callable[[str, str], str | None] = lambda a, c: None) -> None:
        self.default_secret = default_secret
        self.timeout = timeout
        self.secret_of = secret_of

    def send(self, delivery: Doc, message: Message) -> Result:
        c = delivery["contact"]
        kind = c.get("webhook_kind") or "generic"
        url = c["webhook_url"]
        headers = {"Idempotency-Key": delivery["id"]}
        own = self.secret_of(delivery["agency"], c["id"]) if c.get("has_webhook_secret") else None
        payload: dict[str, Any]
        if kind == "wecom":
            payload = {"msgtype": "markdown", "markdown": {"content": message.markdown}}
        elif kind == "dingtalk":
            payload = {"msgtype": "markdown", "markdown": {"title": message.subject,
                                                           "text": message.markdown}}
            if own:
                url = dingtalk_url(url, own, int(time.time() * 1000))
        else:
            payload = generic_payload(delivery, message)
        body = json.dumps(payload, ensure_ascii=False).encode()
        if kind == "generic":
            headers.update(signed_headers(own or self.default_secret, body))
        return post(url, body, headers, self.timeout, robot=kind != "generic")


def generic_payload(delivery: Doc, message: Message) -> dict[str, Any]:
    return {"id": delivery["id"], "kind": delivery["kind"], "agency": delivery["agency"],
            "about": delivery["about"], "language": delivery["contact"].get("language", "zh-CN"),
            "notice": delivery["facts"], "subject": message.subject, "text": message.text}


def signed_headers(secret: str | None, body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    headers = {"X-Linkage-Timestamp": ts}
    if secret:
        headers["X-Linkage-Signature"] = sign(secret.encode(), ts, body)
    return headers


class SmsChannel(Channel):
    """The SMS gateway: the generic webhook with an SMS template ({id, phone, text})."""

    def __init__(self, url: str, secret: str | None, timeout: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, delivery: Doc, message: Message) -> Result:
        body = json.dumps({"id": delivery["id"], "phone": delivery["contact"]["phone"],
                           "text": message.short}, ensure_ascii=False).encode()
        headers = {"Idempotency-Key": delivery["id"], **signed_headers(self.secret, body)}
        return post(self.url, body, headers, self.timeout)


class EmailChannel(Channel):
    def __init__(self, host: str, port: int, starttls: bool, user: str | None, password: str | None,
                 sender: str, timeout: float) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self.password = user, password
        self.sender, self.timeout = sender, timeout

    def message(self, delivery: Doc, message: Message) -> EmailMessage:
        m = EmailMessage()
        m["From"] = self.sender
        m["To"] = delivery["contact"]["email"]
        m["Subject"] = message.subject
        m["Date"] = formatdate(localtime=False)
        m["Message-ID"] = f"<{delivery['id']}@linkage>"
        m["Content-Language"] = delivery["contact"].get("language", "zh-CN")
        m.set_content(message.text)
        m.add_alternative(message.html, subtype="html")
        return m

    def send(self, delivery: Doc, message: Message) -> Result:
        m = self.message(delivery, message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(m)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            answer = f"SMTP {code}: {text.decode('utf-8', 'replace')}"
            return Result("failed" if code >= 500 else "transient", answer)
        except smtplib.SMTPAuthenticationError as e:  # settings to fix: wait, never drop
            return Result("transient", f"SMTP {e.smtp_code}: login refused", bounded=False)
        except smtplib.SMTPResponseException as e:
            err = e.smtp_error
            said = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
            answer = f"SMTP {e.smtp_code}: {said}"
            return Result("failed" if e.smtp_code >= 500 else "transient", answer)
        except (smtplib.SMTPException, OSError) as e:  # down or unreachable: delays, never drops
            return Result("transient", f"SMTP unreachable: {type(e).__name__}: {e}"[:500], bounded=False)
        if refused:
            return Result("failed", f"SMTP refused: {refused}"[:500])
        return Result("sent", "SMTP 250: accepted")
