"""Pydantic's validation errors worded from the message catalogue (domain/messages.py).

Each error becomes `{"field", "code", "message", "type"}`: the code is pydantic's error type when
the catalogue has it (`missing` → `field_required`), our validators' own code when they raised a
coded `Invalid` (the credit code check, money), else `invalid_input`. The API and the pages both
use `items`, so a form shows the same words as the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from domain.messages import MESSAGES, Invalid, render
from domain.vocabulary import LABELS, label

# pydantic's error type → catalogue code, where the names differ.
ALIASES = {
    "missing": "field_required", "date_from_datetime_parsing": "date_parsing",
    "date_from_datetime_inexact": "date_parsing", "date_type": "date_parsing",
    "datetime_from_date_parsing": "datetime_parsing", "datetime_type": "datetime_parsing",
    "decimal_type": "decimal_parsing", "float_type": "float_parsing", "bool_type": "bool_parsing",
    "uuid_type": "uuid_parsing", "dict_type": "model_type", "model_attributes_type": "model_type",
    "enum": "literal_error", "string_unicode": "string_type", "int_from_float": "int_from_float",
    "decimal_whole_digits": "decimal_parsing", "decimal_max_digits": "decimal_parsing",
    "missing_argument": "field_required", "unexpected_keyword_argument": "extra_forbidden",
    "timezone_naive": "timezone_aware",
}


def field_name(loc: Iterable[Any]) -> str:
    """A pydantic error location as the field name the user sees ("employer.credit_code")."""
    parts = [str(p) for p in loc if p not in ("body", "query", "header", "path")]
    return ".".join(parts) or "body"


def coded(error: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The catalogue code and params of one pydantic error."""
    ctx = dict(error.get("ctx") or {})
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        cause = ctx.get("error")
        if isinstance(cause, Invalid):
            return cause.problem.code, dict(cause.problem.params)
        return "invalid_input", {}
    code = ALIASES.get(kind, kind)
    if code not in MESSAGES:
        return "invalid_input", {}
    return code, {k: v if isinstance(v, (str, int)) else str(v) for k, v in ctx.items()
                  if not isinstance(v, BaseException)}


def _choices(expected: str, lang: str) -> str:
    """pydantic's "'fall', 'struck_by' or 'other'" as a Chinese reader reads it: each value's
    label with its code (the API's value), joined by "、"; English keeps pydantic's words."""
    values = re.findall(r"'([^']*)'", expected)
    if lang != "zh-CN" or not values:
        return expected
    kind = next((k for k, known in LABELS.items() if set(values) <= known.keys()), None)
    return "、".join(f"{label(kind, v)}（{v}）" if kind else v for v in values)


def item(error: Mapping[str, Any], lang: str) -> dict[str, Any]:
    code, params = coded(error)
    if code == "literal_error" and isinstance(params.get("expected"), str):
        params = {**params, "expected": _choices(params["expected"], lang)}
    message = render(code, lang, params)
    if code == "invalid_input" and lang != "zh-CN":  # an uncoded check: its own English words
        message = str(error.get("msg", message)).removeprefix("Value error, ")
    # A body that is not JSON: the body as a whole, not the character offset pydantic names.
    field = "body" if error.get("type") == "json_invalid" else field_name(error.get("loc", ()))
    return {"field": field, "code": code, "message": message,
            "type": error.get("type")}


def items(errors: Iterable[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [item(e, lang) for e in errors]


TIME_CODES = {"datetime_parsing", "timezone_aware", "datetime_from_date_parsing"}


def messages_by_field(errors: Iterable[Mapping[str, Any]], lang: str,
                      local: frozenset[str] = frozenset()) -> dict[str, str]:
    """The first message for each field (what a form shows next to its input). `local`: the
    form's Beijing-time inputs (datetime-local), where a clerk cannot type an offset: a time
    they cannot read is worded for that input, an empty one as required."""
    errors = list(errors)
    found: dict[str, str] = {}
    for raw, e in zip(errors, items(errors, lang), strict=True):
        if e["field"] in local and e["code"] in TIME_CODES:
            empty = not str(raw.get("input") or "").strip()
            e["message"] = render("must_not_be_empty" if empty else "local_datetime", lang)
        found.setdefault(e["field"], e["message"])
    return found
