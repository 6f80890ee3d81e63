"""JSON text parsed by orjson, with the standard library's parser as the rule.

A rebuild parses every stored event's state and many stored documents; with the check below,
orjson takes about half the time for a state and two fifths for a document (bench/RESULTS.md).
Where the two could differ, the standard parser reads it, so what is read is the same as before
in every case:
- orjson refuses NaN and Infinity; invalid text raises `json.JSONDecodeError` as before;
- orjson reads an integer beyond 64 bits as a float (silently), so text with a run of 19 or more
  digits anywhere (a long number, or digits inside a string: then merely slower) goes to json.

Read-model documents are written by orjson too (`dumps`): the same JSON values as
`json.dumps(..., ensure_ascii=False)`, without the spaces after `:` and `,`. What orjson refuses
(an integer beyond 64 bits, a key that is not a string) goes to json, as before. The one value
the two write differently is a float NaN or infinity (orjson writes null); no document holds a
float: amounts are decimal strings and counts integers (domain/values.py).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps' own path, minus its checks

# Every digit to "0", everything else to " ": a run of 19 digits is then a plain substring search
# (a regular expression tried at every position cost five times orjson's own parse).
_DIGITS = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_LONG = b"0" * 19


def loads(text: str | bytes) -> Any:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if _LONG not in raw.translate(_DIGITS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError: a big integer, a non-string key, an unknown type
        return _encode(value)
