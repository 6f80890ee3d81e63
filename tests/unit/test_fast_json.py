"""Stored JSON reads the same through orjson as through the standard parser, whatever it holds."""

from __future__ import annotations

import json
import math

import pytest

from services.fast_json import loads


@pytest.mark.parametrize("text", [
    '{"名称":"某厂","amount":"12.50","n":3,"x":1.5,"ok":true,"none":null,"list":[1,"二"]}',
    '{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',  # beyond 64 bits
    '{"max": 9223372036854775807, "u": 18446744073709551615, "f": 0.12345678901234567891}',
    '{"x": 0.1, "y": 1e-7, "z": 12345678901234567.0, "w": 2.5e+300}',
    '{"escaped": "\\u4e2d\\"quoted\\"\\n"}',
    "[]",
])
def test_what_is_read_equals_the_standard_parser(text: str) -> None:
    assert loads(text) == json.loads(text)
    assert loads(text.encode("utf-8")) == json.loads(text)


def test_nan_and_infinity_are_read_as_before() -> None:
    found = loads('{"a": NaN, "b": Infinity, "c": -Infinity}')
    assert math.isnan(found["a"]) and found["b"] == math.inf and found["c"] == -math.inf


@pytest.mark.parametrize("text", ['{"a": ', "", "{'a': 1}"])
def test_invalid_text_raises_the_standard_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        loads(text)
