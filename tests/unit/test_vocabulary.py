"""The vocabulary is declared once and every value has a label a reader can use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.web import i18n
from domain import vocabulary
from domain.vocabulary import LABELS, VALUE_SETS, label

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", sorted(VALUE_SETS))
def test_every_value_has_a_chinese_and_an_english_label(kind: str) -> None:
    values = VALUE_SETS[kind]
    assert len(set(values)) == len(values), f"{kind} repeats a value"
    assert set(LABELS[kind]) == set(values), f"{kind}: labels and values differ"
    for value in values:
        zh, en = LABELS[kind][value]
        assert CJK.search(zh), f"{kind}.{value}: zh-CN label {zh!r} has no Chinese"
        assert en and not CJK.search(en), f"{kind}.{value}: English label {en!r}"


def test_the_ui_shows_the_vocabulary_labels() -> None:
    assert i18n.translate("zh-CN", "large") == "较大"
    assert i18n.translate("en", "cause.road_traffic") == LABELS["cause"]["road_traffic"][1]
    assert i18n.translate("zh-CN", "severity.major") == "重大隐患"
    # Two value sets share the word "closed"; each keeps its own label.
    assert label("notice_status", "closed") == "已结案"
    assert label("meeting_status", "closed") == "已闭会"
    assert label("meeting_status", "closed", "en") == "closed"


# A tuple, list or Literal of quoted words (a dict keyed by each value is a mapping, not a copy).
GROUP = re.compile(r"""[(\[]\s*((?:["'][a-z_]+["']\s*,\s*)+["'][a-z_]+["'])""")


def test_no_layer_declares_a_vocabulary_set_again() -> None:
    """No tuple, list or Literal outside domain/vocabulary.py spells out a whole value set."""
    offenders = []
    for folder in ("domain", "services", "adapters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "vocabulary.py":
                continue
            for match in GROUP.finditer(path.read_text(encoding="utf-8")):
                words = set(re.findall(r"""["']([a-z_]+)["']""", match.group(1)))
                offenders += [f"{path.relative_to(ROOT)}: {kind}" for kind, values in VALUE_SETS.items()
                              if len(values) >= 3 and set(values) <= words]
    assert not offenders, offenders


def test_grade_order_is_the_rank() -> None:
    assert vocabulary.grade_at_least("major", "large")
    assert vocabulary.grade_at_least("large", "large")
    assert not vocabulary.grade_at_least("ordinary", "large")
