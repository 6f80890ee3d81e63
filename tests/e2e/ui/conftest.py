"""Browser fixtures: one server and one Chromium per test session, a fresh browser context per test.

Without Debian's chromium (or Playwright) the UI tests skip; with LINKAGE_REQUIRE_SERVICES=1,
as in CI, they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.ui_support import UiServer, chromium_path, launch

REQUIRED = os.environ.get("LINKAGE_REQUIRE_SERVICES") == "1"
# axe-core, pinned by package-lock.json beside this file (`make test` runs `npm ci` here)
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(f"the browser tests need {why}")
    pytest.skip(f"browser tests skipped: {why}")


@pytest.fixture(scope="session")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    server = UiServer(tmp_path_factory.mktemp("ui") / "var").start()
    yield server
    server.stop()
    server.container.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package (pip install -e '.[dev]')")
    if chromium_path() is None:
        _unavailable("Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Opens pages, each in its own browser context (own cookies), closed after the test."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 900) -> Any:
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, injected into pages by the accessibility tests."""
    if not AXE.exists():
        _unavailable("axe-core (npm ci --prefix tests/e2e/ui, which make test runs)")
    return AXE.read_text(encoding="utf-8")
