"""The one catalogue of messages a user can read when something is refused: stable code → zh-CN
and English templates (docs/error-codes.md lists them; a test keeps the two in step).

A refusal carries a code and its params (`Msg`, `DomainError(code, field, **params)`), never a
sentence: the API and the pages word it in the reader's language with `render`. Params that are
values of the vocabulary (an agency, a role, a grade) show as their label in Chinese. The
templates themselves live in `domain/message_catalogue.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.message_catalogue import MESSAGES
from domain.vocabulary import label

__all__ = ["DEFAULT", "LANGS", "MESSAGES", "Invalid", "Msg", "negotiate", "render"]

LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"
# Params whose values are vocabulary values, by the value set: a Chinese reader sees the label.
# An English reader sees agencies, roles and grades as the API spells them ("safety"), the
# other sets by their English label ("minutes published").
LABELLED = {"agency": "agency", "agencies": "agency", "required": "agency", "pending": "agency",
            "members": "agency", "absent": "agency", "entry_agency": "agency",
            "role": "role", "roles": "role", "grade": "grade",
            "notice_status": "notice_status", "inspection_status": "inspection_status",
            "inspection_statuses": "inspection_status", "meeting_status": "meeting_status",
            "severity": "finding_severity", "category": "project_category",
            "project_status": "project_status", "project_statuses": "project_status"}
RAW_IN_ENGLISH = {"agency", "role", "grade"}
# Params that are a list of messages joined as sentences ("；"); other lists of messages are
# alternatives ("、", " or ").
SENTENCES = {"findings"}
# Lists of values read as alternatives in English ("approved or assessed").
ALTERNATIVES = {"inspection_statuses", "project_statuses"}


def _one(kind: str | None, value: Any, lang: str) -> str:
    if kind is None or (lang != "zh-CN" and kind in RAW_IN_ENGLISH):
        return str(value)
    return label(kind, str(value), lang)


def _value(name: str, value: Any, lang: str) -> str:
    kind = LABELLED.get(name)
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, Msg) for v in value):
            joiners = ("；", "; ") if name in SENTENCES else ("、", " or ")
            return joiners[lang != "zh-CN"].join(v.text(lang) for v in value)
        joiner = "、" if lang == "zh-CN" else " or " if name in ALTERNATIVES else ", "
        return joiner.join(_one(kind, v, lang) for v in value)
    if isinstance(value, Msg):  # a message inside a message (e.g. the unsettled findings)
        return value.text(lang)
    return _one(kind, value, lang)


def render(code: str, lang: str, params: Mapping[str, Any] | None = None) -> str:
    """The message of `code` in `lang` ("zh-CN" or "en"); an unknown code shows as is."""
    pair = MESSAGES.get(code)
    if pair is None:
        return code
    template = pair[0] if lang == "zh-CN" else pair[1]
    values = {k: _value(k, v, lang) for k, v in (params or {}).items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError):  # a param missing: the template without the gap filled
        return template


def negotiate(header: str | None) -> str:
    """The language an `Accept-Language` header asks for: "en" or "zh-CN" (the default).

    q-values are honoured (q=0 refuses); a tie keeps the header's order; `*` or a language we do
    not have counts as the default.
    """
    best, best_q = DEFAULT, -1.0
    for part in (header or "").split(","):
        tag, _, rest = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        q = 1.0
        for param in rest.split(";"):
            key, _, val = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        lang = "en" if tag == "en" or tag.startswith("en-") else (
            "zh-CN" if tag == "zh" or tag.startswith("zh-") else None)
        if lang is None:
            continue
        if q > best_q:
            best, best_q = lang, q
    return best


@dataclass(frozen=True)
class Msg:
    """A message by its code and params; `str()` is the English text (for logs)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return render(self.code, lang, self.params)

    def __str__(self) -> str:
        return self.text("en")


def msg(code: str, **params: Any) -> Msg:
    return Msg(code, params)


class Invalid(ValueError):
    """A coded ValueError for pydantic validators: the 422 item is worded from the catalogue."""

    def __init__(self, problem: Msg) -> None:
        super().__init__(str(problem))
        self.problem = problem
