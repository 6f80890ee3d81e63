"""The message catalogue: every code worded in Chinese and English, every refusal coded."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import domain
import services
from adapters.error_codes import DOC, markdown
from adapters.http.validation import items
from domain.common import DomainError, InvalidValue
from domain.messages import MESSAGES, Msg, negotiate, render

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"\{(\w+)(?:![rsa])?\}")


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_a_chinese_and_an_english_message(code: str) -> None:
    zh, en = MESSAGES[code]
    assert zh.strip() and CJK.search(zh), f"{code}: the zh-CN message is missing or English: {zh!r}"
    assert en.strip() and not CJK.search(en), f"{code}: the English message is missing: {en!r}"
    assert set(FIELD.findall(zh)) == set(FIELD.findall(en)), f"{code}: the two take other params"
    assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _import_all() -> None:
    for package in (domain, services):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)


def test_every_domain_error_has_a_catalogue_code() -> None:
    _import_all()
    errors = [c for c in _subclasses(DomainError) if c.__module__.split(".")[0] in
              ("domain", "services")]
    assert len(errors) > 30
    missing = [f"{c.__module__}.{c.__name__}: {c.code!r}" for c in errors if c.code not in MESSAGES]
    assert not missing, f"DomainError subclasses without a catalogue code: {missing}"


def _error_names() -> set[str]:
    _import_all()
    return {c.__name__ for c in [DomainError, *_subclasses(DomainError)]} | {"problem", "Problem",
                                                                             "msg", "Msg"}


def _code_literal(name: str, call: ast.Call) -> str | None:
    """The code a raise site names when it is a literal: `problem(404, "code")`,
    `NotOpen("code", ...)`, `X("a" if c else "b")` (both sides checked)."""
    at = 1 if name in ("problem", "Problem") else 0
    if len(call.args) <= at:
        return None
    arg = call.args[at]
    sides = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
    for side in sides:
        if isinstance(side, ast.JoinedStr):  # an f-string is a sentence, never a code
            return ast.unparse(side)
        if isinstance(side, ast.Constant) and isinstance(side.value, str) and \
                side.value not in MESSAGES:
            return side.value
    return None


def test_every_raise_site_names_a_code_not_a_sentence() -> None:
    """`raise NotOpen("notice is closed")` would show English on a Chinese page: refused here."""
    names = _error_names()
    wrong = []
    for folder in ("domain", "services", "adapters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else (
                    func.attr if isinstance(func, ast.Attribute) else None)
                if name not in names:
                    continue
                code = _code_literal(name, node)
                if code is not None and code not in MESSAGES:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}({code!r})")
    assert not wrong, "refusals raised with a sentence instead of a catalogue code:\n" + \
        "\n".join(wrong)


@pytest.mark.parametrize(("header", "lang"), [
    (None, "zh-CN"), ("", "zh-CN"), ("fr-FR", "zh-CN"), ("*", "zh-CN"), ("en", "en"),
    ("en-US", "en"), ("EN-gb,en;q=0.9", "en"), ("zh-CN", "zh-CN"), ("zh-TW,zh;q=0.9", "zh-CN"),
    ("en;q=0.5, zh-CN;q=0.9", "zh-CN"), ("zh-CN;q=0.4, en;q=0.8", "en"), ("fr, en;q=0.8", "en"),
    ("en;q=0, zh", "zh-CN"), ("en;q=0", "zh-CN"), ("en;q=bogus", "zh-CN"),
])
def test_accept_language_picks_chinese_by_default_and_honours_q(header: str | None,
                                                               lang: str) -> None:
    assert negotiate(header) == lang


def test_vocabulary_params_show_as_labels_in_chinese_and_as_spelled_in_english() -> None:
    error = DomainError("agency_not_required", agency="finance", required=["safety", "hrss"])
    assert error.code == "agency_not_required"
    assert error.message == ("agency finance is not required to acknowledge this notice "
                             "(required: safety, hrss)")
    zh = error.text("zh-CN")
    assert "finance" not in zh and "safety" not in zh and CJK.search(zh)
    assert render("meeting_not_in_session", "en", {"meeting_status": "minutes_published"}) == \
        "meeting is minutes published"


def test_a_domain_value_error_is_worded_in_both_languages() -> None:
    with pytest.raises(InvalidValue) as caught:
        from domain.common import check_credit_code
        check_credit_code("91350100M000100Y40", "employer.credit_code")
    error = caught.value
    assert error.code == "credit_code_check_digit" and error.field == "employer.credit_code"
    assert "校验位" in error.text("zh-CN") and "check digit" in error.text("en")


def test_pydantic_errors_are_worded_from_the_catalogue() -> None:
    from pydantic import ValidationError

    from adapters.http.notices import EmployerIn

    with pytest.raises(ValidationError) as caught:
        EmployerIn.model_validate({"name": "", "credit_code": "91350100M000100Y40",
                                   "industry": "x", "risk_class": "9", "extra": 1})
    zh = {e["field"]: e for e in items(caught.value.errors(), "zh-CN")}
    en = {e["field"]: e for e in items(caught.value.errors(), "en")}
    assert zh["credit_code"]["code"] == "credit_code_check_digit"
    assert "校验位" in zh["credit_code"]["message"]
    assert "check digit" in en["credit_code"]["message"]
    assert zh["extra"]["code"] == "extra_forbidden" and CJK.search(zh["extra"]["message"])
    assert zh["risk_class"]["code"] == "int_type"
    for e in zh.values():
        assert CJK.search(e["message"]), e
        assert "Input should" not in e["message"] and "Value error" not in e["message"]


def test_a_message_inside_a_message_is_worded_in_the_same_language() -> None:
    inner = [Msg("unsettled_reinspection", {"finding_no": 1, "severity": "major"})]
    assert render("inspection_unsettled", "en", {"findings": inner}) == (
        "the inspection cannot be completed: finding 1 (major) awaits its re-inspection")
    assert "重大隐患" in render("inspection_unsettled", "zh-CN", {"findings": inner})


def test_the_error_codes_document_is_the_catalogue() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), "run `make error-codes`"


def test_every_aggregate_has_a_name_for_its_not_found() -> None:
    from eventsourcing.domain import Aggregate

    from services.application import RECORDS

    _import_all()
    aggregates = {c.__name__ for c in _subclasses(Aggregate) if c.__module__.startswith("domain.")}
    assert aggregates and aggregates <= RECORDS.keys(), aggregates - RECORDS.keys()
    assert all(code in MESSAGES for code in RECORDS.values())


def test_a_limit_given_as_a_decimal_fills_its_message() -> None:
    from decimal import Decimal

    from pydantic import BaseModel, Field, ValidationError

    class Ratio(BaseModel):
        pct: Decimal = Field(gt=Decimal(3))

    with pytest.raises(ValidationError) as caught:
        Ratio.model_validate({"pct": "2"})
    (zh,) = items(caught.value.errors(), "zh-CN")
    (en,) = items(caught.value.errors(), "en")
    assert (zh["code"], zh["message"], en["message"]) == (
        "greater_than", "必须大于 3", "must be greater than 3")
