"""Shared domain pieces: actors, the credit code check and domain errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from eventsourcing.domain import Aggregate

from domain.messages import MESSAGES, Msg, msg, render

# GB 32100-2015: 31 characters, without I, O, Z, S and V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class DomainError(Exception):
    """A broken business rule, by its stable `code` (domain/message_catalogue.py) and params.

    `raise NotOpen("notice_not_open", status=self.status)`; `field` names the input at fault,
    when there is one. `message` is the English text (logs, tests); `text(lang)` words it for a
    reader. A subclass's class `code` is the code of a refusal raised without one.
    """

    code: str = "rule_refused"
    field: str | None = None

    def __init__(self, code: str | Msg, field: str | None = None, **params: Any) -> None:
        if isinstance(code, Msg):
            params = {**code.params, **params}
            code = code.code
        self.coded = code in MESSAGES
        if self.coded:
            self.code = code
            message = render(code, "en", params)
        else:  # a sentence, not a code: shown as typed (tests and old callers)
            message = code
        super().__init__(message)
        self.message = message
        self.params: dict[str, Any] = dict(params)
        if field is not None:
            self.field = field

    def text(self, lang: str) -> str:
        if self.coded or lang == "zh-CN":  # an uncoded sentence: its class's message in Chinese
            return render(self.code, lang, self.params)
        return self.message


class InvalidValue(DomainError):
    """A value that can never be right (bad check digit, negative count)."""

    code = "invalid_value"


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code for its first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> Msg | None:
    """Why `code` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return msg("credit_code_length", length=len(code))
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        return msg("credit_code_characters", chars="".join(bad))
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return msg("credit_code_check_digit", given=code[17], expected=expected)
    return None


def check_credit_code(code: str, field: str = "credit_code") -> str:
    problem = credit_code_problem(code)
    if problem:
        raise InvalidValue(problem, field)
    return code


@dataclass(frozen=True)
class Actor:
    """The person (or system process) behind a command; recorded on every event."""

    id: str
    name: str
    agency: str
    role: str


SYSTEM_WATCHER = Actor(id="system:deadline-watcher", name="deadline watcher", agency="system", role="system")


def require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue("time_needs_offset", field)
    return value


# The city's agencies keep Beijing time: a calendar date (a meeting's day, an inspection's
# window) is a Beijing date, whatever the offset of the clock that gives `now`.
BEIJING = timezone(timedelta(hours=8), "CST")


def beijing_date(now: datetime) -> date:
    """Today's date in Beijing at the aware moment `now`."""
    return require_aware(now, "now").astimezone(BEIJING).date()


def beijing_month(moment: datetime | str) -> str:
    """The calendar month (YYYY-MM) in Beijing of an aware moment or its ISO text, whatever
    offset it was written with: statistics count the city's months, not UTC's."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return require_aware(moment, "moment").astimezone(BEIJING).strftime("%Y-%m")


def beijing_minute(moment: datetime) -> str:
    """The aware `moment` as a clerk reads it in a message: Beijing time, to the minute."""
    return require_aware(moment, "moment").astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


class TracedEvent(Aggregate.Event):
    """Base of every event: who acted. Every change must be traceable to a person."""

    actor_id: str
    actor_name: str
    actor_agency: str


def traced(actor: Actor) -> dict[str, str]:
    return {"actor_id": actor.id, "actor_name": actor.name, "actor_agency": actor.agency}
