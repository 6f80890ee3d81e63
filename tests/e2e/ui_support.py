"""A real server and a real browser for the UI tests and scripts/screenshots.py.

The server is uvicorn on 127.0.0.1:<free port> in a thread, over the embedded default (SQLite in
a temporary folder, in-process agency consumers running). The browser is Debian's `chromium`,
driven by Playwright with `executable_path` (Playwright's own browser download is never used).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

try:  # without Playwright the browser fixture skips (or fails, as CI requires)
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover
    expect: Any = None

from adapters.accounts import Accounts
from adapters.bootstrap import Container, bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Debian's chromium (LINKAGE_CHROMIUM names another binary); None when absent."""
    found = os.environ.get("LINKAGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).exists() else None


class ShiftClock:
    """Real time plus an offset a test may set (to file a notice whose deadline has passed)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class UiServer:
    """`linkage serve`'s application, on a free port, over a fresh data folder."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.clock = ShiftClock()
        self.settings = Settings(data_dir=data_dir, database_url=None, kafka_bootstrap=None,
                                 **settings)
        self.container: Container = bootstrap(self.settings, self.clock)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(lambda: self.container, background=True),
                                host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="ui-server", daemon=True)
        self.tokens: dict[tuple[str, str, str], str] = {}

    def start(self) -> UiServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the UI server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def token(self, agency: str, role: str = "liaison", name: str | None = None) -> str:
        key = (agency, role, name or "")
        if key not in self.tokens:
            self.tokens[key] = Accounts(self.container.store("api")).add(
                name or f"{agency}-{role}", agency, role)
        return self.tokens[key]


def launch(playwright: Any) -> Any:
    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium is not installed (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def sign_in(page: Any, server: UiServer, token: str, lang: str = "zh-CN") -> None:
    if lang != "zh-CN":
        page.goto(f"{server.url}/ui/lang/{lang}?next=/ui/login")
    page.goto(f"{server.url}/ui/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_load_state()
