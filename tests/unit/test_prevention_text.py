"""Every message the prevention-fee and register pages show exists in 简体中文 and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.web import audit, finance, i18n, prevention, project, registers
from domain.prevention_project import ACHIEVED_MEASURES, PLANNED_MEASURES
from domain.vocabulary import PROJECT_CATEGORIES

TEMPLATES = Path(prevention.__file__).parent / "templates"
PAGES = ("prevention.html", "project_form.html", "project.html", "registers.html")
KEY = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")
assert audit and finance and project and registers  # every page group registers its messages


def keys() -> set[str]:
    found = {k for page in PAGES for k in KEY.findall((TEMPLATES / page).read_text("utf-8"))
             if not k.endswith(".")}  # a prefix: its keys follow
    found |= {f"planned.{m}" for m in PLANNED_MEASURES} | {f"achieved.{m}" for m in ACHIEVED_MEASURES}
    found |= {f"plan.{c}" for c in PROJECT_CATEGORIES} | {"register.employers", "register.inspectors"}
    found |= {f"step.{s}" for s in ("approval", "rejection", "milestone", "disbursement", "payment",
                                    "assessment", "closure", "entry", "deactivation",
                                    "reactivation", "removal", "account")}
    return found


@pytest.mark.parametrize("key", sorted(keys()))
def test_each_message_is_in_both_languages(key: str) -> None:
    zh, en = i18n.translate("zh-CN", key), i18n.translate("en", key)
    assert zh != key and en != key, f"{key} is not in the catalogue"
    assert re.search(r"[\u4e00-\u9fff]", zh) or zh == en, (key, zh)
    assert not re.search(r"[\u4e00-\u9fff]", en.replace("双随机", "")), (key, en)


def test_amounts_show_in_yuan_with_thousand_separators() -> None:
    assert i18n.format_money("1234567.5") == "¥1,234,567.50"
