"""Input invariants every command checks: text, counts, money and dates as a clerk types them.

The rules (written down in docs/notice-rules.md):

- text is trimmed (white space and zero-width characters at both ends); it may not contain NUL
  or any other control character (a line break is allowed in free text, CR LF is stored as
  LF); required text may not be empty once white space and zero-width characters are
  removed; each field has a maximum length in characters, counted after trimming;
- counts are integers (never a boolean, a string or a float), 0 to MAX_COUNT;
- money is a plain decimal: at most two places, never negative, never -0, never an exponent
  (`1e3` is refused, not normalised), at most MAX_MONEY_CNY; given as a JSON string
  ("1800000.50") or a JSON integer;
- times carry a UTC offset and are no earlier than EARLIEST.

The HTTP and web edges call these same functions through pydantic, so a 422 names the field.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from domain.common import InvalidValue
from domain.messages import Invalid, Msg, msg

MAX_COUNT = 100_000
# Unicode's control characters (category Cc) are exactly these 65 code points; one regex
# search instead of a category lookup per character (text is checked on every command).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
MAX_MONEY_CNY = Decimal("100000000000.00")  # 1000 亿元: beyond any recorded accident's loss
EARLIEST = datetime(1949, 10, 1, tzinfo=timezone(timedelta(hours=8)))  # Beijing time
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
_MONEY_TEXT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


def _trim(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(ZERO_WIDTH)
    return text


def text_problem(value: object, *, max_length: int, multiline: bool = False,
                 required: bool = True) -> tuple[str, Msg | None]:
    """(the trimmed text, why it is refused or None)."""
    if not isinstance(value, str):
        return "", msg("must_be_text")
    text = _trim(value.replace("\r\n", "\n") if multiline else value)
    found = (_CONTROL_BUT_NEWLINE if multiline else _CONTROL).search(text)
    if found is not None:
        ch = found.group()
        what = "NUL" if ch == "\0" else f"U+{ord(ch):04X}"
        return text, msg("control_characters", what=what)
    if required and all(c.isspace() or c in ZERO_WIDTH for c in text):
        return text, msg("must_not_be_empty")
    if len(text) > max_length:
        return text, msg("text_too_long", max_length=max_length, length=len(text))
    return text, None


def clean_text(value: object, field: str, *, max_length: int, multiline: bool = False,
               required: bool = True) -> str:
    text, problem = text_problem(value, max_length=max_length, multiline=multiline,
                                 required=required)
    if problem:
        raise InvalidValue(problem, field)
    return text


def count_problem(value: object, maximum: int = MAX_COUNT) -> Msg | None:
    if type(value) is not int:  # bool is an int subclass: refused too
        return msg("must_be_whole_number")
    if value < 0:
        return msg("must_be_zero_or_more")
    if value > maximum:
        return msg("must_be_at_most", maximum=maximum)
    return None


def check_count(value: object, field: str, maximum: int = MAX_COUNT) -> int:
    problem = count_problem(value, maximum)
    if problem:
        raise InvalidValue(problem, field)
    assert isinstance(value, int)
    return value


def money_problem(value: Decimal) -> Msg | None:
    if not value.is_finite():
        return msg("money_not_finite")
    if value.is_signed():
        return msg("must_be_zero_or_more" if value else "money_negative_zero")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent > 0:
        return msg("money_exponent")
    if exponent < -2:
        return msg("money_places")
    if value > MAX_MONEY_CNY:
        return msg("must_be_at_most", maximum=MAX_MONEY_CNY)
    return None


def check_money(value: object, field: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise InvalidValue("money_not_decimal", field)
    problem = money_problem(value)
    if problem:
        raise InvalidValue(problem, field)
    return value


def parse_money(value: object) -> Decimal:
    """Money as sent: a string of digits with up to two places, or an integer. Invalid."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise Invalid(msg("money_wrong_type"))
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-"):
            raise Invalid(msg("must_be_zero_or_more" if text.strip("-0.") else "money_negative_zero"))
        if "e" in text.lower():
            raise Invalid(msg("money_exponent"))
        if not _MONEY_TEXT.fullmatch(text):
            if re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
                raise Invalid(msg("money_places"))
            raise Invalid(msg("money_malformed"))
        try:
            value = Decimal(text)
        except InvalidOperation as e:  # pragma: no cover - the pattern admits only digits
            raise Invalid(msg("money_malformed")) from e
    amount = Decimal(value)
    problem = money_problem(amount)
    if problem:
        raise Invalid(problem)
    return amount


def time_problem(value: datetime, now: datetime | None = None) -> Msg | None:
    if value.tzinfo is None or value.utcoffset() is None:
        return msg("time_needs_offset")
    if value < EARLIEST:
        return msg("time_too_early")
    if now is not None and value > now:
        return msg("time_in_future")
    return None
