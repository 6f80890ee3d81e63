"""Screenshots of every staff-UI page, at desktop (1280 px) and phone (390 px) width, 简体中文 by default.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang zh-CN --lang en]
                                            [--only queue,notice]

Starts the real server over a fresh temporary data folder, seeds a small city's week through
the services (the same ones the API calls) and drives Debian's chromium with Playwright. The
pages are the app's GET routes under /ui (tests/e2e/ui_pages.py: a page added later is shot
without being listed here), each as the user it shows the most to; files are
`<page>-<lang>.png` and `<page>-<lang>-phone.png`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.web import session  # noqa: E402
from tests.e2e import ui_pages  # noqa: E402
from tests.e2e.ui_pages import Page  # noqa: E402
from tests.e2e.ui_support import UiServer, launch  # noqa: E402


def fill_notice_form(page: Any) -> None:
    """The form as a clerk is typing: the computed grade and the agencies it goes to."""
    page.fill("#f-employer-name", "闽侯县某某食品有限公司")
    page.fill("#f-employer-credit_code", "91350100MA2Y0A0B16")
    page.fill("#f-deaths", "3")
    page.focus("#f-district")
    page.wait_for_timeout(700)


PREPARE = {"notices-new": fill_notice_form}


def shoot(browser: Any, ui: UiServer, out: Path, pages: list[Page], sids: dict[str, str],
          langs: list[str]) -> list[Path]:
    written = []
    for lang in langs:
        for width, suffix in ((1280, ""), (390, "-phone")):
            for p in pages:
                ctx = browser.new_context(viewport={"width": width, "height": 860 if width > 500 else 844},
                                          device_scale_factor=1, locale=lang, timezone_id="Asia/Shanghai")
                cookies = [{"name": session.LANG_COOKIE, "value": lang, "url": ui.url}]
                if p.viewer:
                    cookies.append({"name": session.COOKIE, "value": sids[p.viewer], "url": ui.url})
                ctx.add_cookies(cookies)
                page = ctx.new_page()
                page.goto(ui.url + p.url)
                if p.name in PREPARE:
                    PREPARE[p.name](page)
                page.wait_for_timeout(300)
                target = out / f"{p.name}-{lang}{suffix}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                ctx.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", action="append", choices=("zh-CN", "en"),
                        help="a language to shoot (repeatable; default: zh-CN)")
    parser.add_argument("--only", help="Comma-separated page names (default: every page)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        ui = UiServer(Path(tmp) / "var").start()
        try:
            ids = ui_pages.seed(ui)
            sids = ui_pages.sessions(ui, ui_pages.people(ui))
            pages, problems = ui_pages.pages(ui, ids, sids)
            for problem in problems:
                print(f"not shot: {problem}", file=sys.stderr)
            if args.only:
                pages = [p for p in pages if p.name in set(args.only.split(","))]
            with sync_playwright() as p:
                browser = launch(p)
                try:
                    written = shoot(browser, ui, args.out, pages, sids, args.lang or ["zh-CN"])
                finally:
                    browser.close()
        finally:
            ui.stop()
            ui.container.close()
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    print(f"{date.today().isoformat()}: {len(written)} screenshots, {datetime.now(UTC):%H:%M} UTC")


if __name__ == "__main__":
    main()
