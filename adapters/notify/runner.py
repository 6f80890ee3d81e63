"""`linkage notify`: the notifier consumer and its sender, in one loop.

Embedded default: fed from the notification log (and run inside `linkage serve` unless
LINKAGE_NOTIFY_IN_PROCESS=false). With Kafka: the consumer group `linkage-notify`.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from adapters.bootstrap import Container, bootstrap
from adapters.faults import maybe_crash
from adapters.notify.channels import EmailChannel, SmsChannel, WebhookChannel
from adapters.settings import Settings
from services.consumer import Consumer
from services.contacts import secret_of
from services.feeder import LogFeeder
from services.notifications.links import ack_link
from services.notifications.owed import OUTBOX, NotifierProjection
from services.notifications.sender import Channel, Policy, Sender
from services.ports import Doc, Store

log = logging.getLogger(__name__)
STORE = "notify"


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def channels_from(s: Settings, secrets: Store | None = None) -> dict[str, Channel]:
    """The configured channels; a delivery for one not configured waits until it is."""
    def own(agency: str, contact_id: str) -> str | None:
        return secret_of(secrets, agency, contact_id) if secrets is not None else None

    out: dict[str, Channel] = {"webhook": WebhookChannel(_secret(s.notify_webhook_secret),
                                                         s.notify_timeout, own)}
    if s.smtp_host:
        out["email"] = EmailChannel(s.smtp_host, s.smtp_port, s.smtp_starttls, s.smtp_user,
                                    _secret(s.smtp_password), s.smtp_from, s.notify_timeout)
    if s.sms_gateway_url:
        out["sms"] = SmsChannel(s.sms_gateway_url, _secret(s.sms_gateway_secret), s.notify_timeout)
    return out


def link_maker(s: Settings) -> Callable[[Doc], str | None]:
    secret = _secret(s.link_secret)

    def link(d: Doc) -> str | None:
        deadline = d["facts"].get("deadline")
        if not secret or not deadline:
            return None
        return ack_link(s.public_url, secret.encode(), d["facts"]["notice_id"], d["about"], deadline)

    return link


def sender_for(c: Container, channels: dict[str, Channel] | None = None) -> Sender:
    s = c.settings
    if channels is None:
        channels = channels_from(s, c.store("api"))
    return Sender(c.store(STORE), channels, c.clock,
                  Policy(s.notify_max_attempts, s.notify_backoff_base, s.notify_backoff_max,
                         s.notify_lease),
                  link_maker(s), after_send=lambda: maybe_crash("notify-after-send"))


def consumer_for(c: Container) -> Consumer:
    return Consumer(NotifierProjection(), c.store(STORE),
                    lambda: maybe_crash("notify-before-commit"))


class InProcessNotifier:
    """One round: take new events, owe due reminders, send what is due."""

    def __init__(self, c: Container, channels: dict[str, Channel] | None = None) -> None:
        self.feeder = LogFeeder(c.app, consumer_for(c))
        self.sender = sender_for(c, channels)

    def run_once(self) -> dict[str, int]:
        self.feeder.catch_up()
        self.sender.remind()
        total: dict[str, int] = {}
        while True:
            counts = self.sender.run_once()
            for k, v in counts.items():
                total[k] = total.get(k, 0) + v
            if not counts:
                return total


def notify_jobs(c: Container) -> list[tuple[str, float, Callable[[], object]]]:
    """The server's in-process notifier (embedded default only)."""
    if c.settings.uses_kafka or not c.settings.notify_in_process:
        return []
    return [("notifier", c.settings.notify_interval, InProcessNotifier(c).run_once)]


def run_notify(settings: Settings, once: bool = False, stop: threading.Event | None = None,
               metrics_port: int | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    from adapters.probes import Readiness, serve_probes

    readiness = Readiness()
    server = None if metrics_port is None else serve_probes(metrics_port, readiness)
    c = bootstrap(settings)
    try:
        if settings.uses_kafka:
            from adapters.notify.kafka import run_kafka_notify

            run_kafka_notify(c, consumer_for(c), sender_for(c), once, stop, readiness,
                             lambda: owed_count(c))
            return
        notifier = InProcessNotifier(c)
        log.info("notifier on %s", settings.describe())
        while not stop.is_set():
            try:
                counts = notifier.run_once()
            except Exception as e:  # the database may come back: keep what is owed, retry
                log.warning("notifier round failed, will retry: %s", e)
                readiness.failed(f"notifier: {type(e).__name__}")
                stop.wait(2.0)
                continue
            readiness.ok({"owed": owed_count(c)})
            if counts:
                log.info("notifier: %s", counts)
            elif once:
                break
            stop.wait(settings.notify_interval)
    finally:
        if server is not None:
            server.shutdown()
        c.close()


def owed_count(c: Container) -> int:
    """Deliveries still to send (the notifier's lag)."""
    with c.store(STORE).transaction(write=False) as tx:
        return sum(1 for _ in tx.scan(OUTBOX))
