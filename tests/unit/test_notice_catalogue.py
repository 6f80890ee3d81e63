"""The notice pages' messages (closing, the printed form, the lists' filters and downloads) are
in both languages and keep their wording once every page group has registered its own."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi import FastAPI

from adapters import web
from adapters.web import i18n

SOURCE = Path(web.__file__).parent / "catalogue_notices.py"


def registered() -> dict[str, tuple[str, str]]:
    call = next(n for n in ast.walk(ast.parse(SOURCE.read_text())) if isinstance(n, ast.Dict))
    return ast.literal_eval(call)  # type: ignore[no-any-return]


def test_every_message_is_in_both_languages_and_no_other_page_rewords_it() -> None:
    web.install(FastAPI())  # every page group registers its messages
    mine = registered()
    assert mine
    for key, (zh, en) in mine.items():
        assert zh.strip() and en.strip(), key
        assert i18n.translate("zh-CN", key) == zh, key
        assert i18n.translate("en", key) == en, key


def test_two_page_groups_cannot_word_one_key_differently() -> None:
    import pytest

    from adapters.web import i18n

    i18n.register({"_probe_key": ("甲", "A")})
    i18n.register({"_probe_key": ("甲", "A")})  # the same wording again is fine
    with pytest.raises(ValueError, match="_probe_key"):
        i18n.register({"_probe_key": ("乙", "B")})
