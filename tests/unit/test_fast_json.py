"""Stored JSON reads the same through orjson as through the standard parser, whatever it holds."""

from __future__ import annotations

import json
import math

import pytest

from services.fast_json import dumps, loads


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


@pytest.mark.parametrize("value", [
    {"名称": "某厂", "amount": "12.50", "n": 3, "ok": True, "none": None, "list": [1, "二", []]},
    {"big": 123456789012345678901234567890, "neg": -9223372036854775809},  # orjson refuses
    {1: "a key that is not a string", "b": {2: 3}},  # json makes it "1"; orjson refuses
    {"escaped": "中\"quoted\"\n\t\u2028", "empty": {}},
    [],
])
def test_what_is_written_reads_back_as_the_standard_writer_would(value: object) -> None:
    text = dumps(value)
    assert json.loads(text) == json.loads(json.dumps(value, ensure_ascii=False))
    assert "\\u4e2d" not in text and ("中" in text) == ("中" in json.dumps(value, ensure_ascii=False))


def test_what_neither_writer_knows_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"a": {1, 2}})
