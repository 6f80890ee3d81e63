"""Every staff-UI page, in 简体中文 and English: no serious or critical axe-core violation at desktop
width, and at phone width (390 px) no horizontal scrolling and tap targets at least 40 px high;
with no internet (every request to another host refused), none asks for anything elsewhere.

The pages are the app's GET routes under /ui (tests/e2e/ui_pages.py), opened with a seeded
scenario's ids, so a page added later is checked without being listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest

from adapters.web import session
from tests.e2e import ui_pages
from tests.e2e.ui_pages import Page
from tests.e2e.ui_support import UiServer

pytestmark = pytest.mark.heavy  # tests/conftest.py: one lane, first

LANGS = ("zh-CN", "en")
PHONE = 390
TAP = 40  # px: the least height of a button, a header or navigation link or a form control on a phone


@dataclass
class Site:
    ui: UiServer
    pages: list[Page]
    problems: list[str]
    sids: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Site]:
    ui = UiServer(tmp_path_factory.mktemp("a11y") / "var").start()
    try:
        ids = ui_pages.seed(ui)
        sids = ui_pages.sessions(ui, ui_pages.people(ui))
        found, problems = ui_pages.pages(ui, ids, sids)
        yield Site(ui, found, problems, sids)
    finally:
        ui.stop()
        ui.container.close()


@dataclass(frozen=True)
class View:
    """A page as a user sees it: after `act` (e.g. a form sent empty), answering `status`."""
    name: str
    viewer: str | None
    url: str
    status: int = 200
    act: Callable[[Any], None] | None = field(default=None, compare=False)


def submit_empty(tab: Any) -> None:
    """Sends the page's first form as it comes, past the browser's own checks: the server's messages."""
    tab.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")
    with tab.expect_navigation():
        tab.locator("main form[method=post] [type=submit]").first.click()
    assert tab.locator("#error-summary, [aria-invalid=true]").count() > 0, tab.url


def fill_bad_token(tab: Any) -> None:
    tab.fill("#token", "not-a-token")
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    assert tab.locator("main [role=alert], main .flash.bad").count() > 0


# States no GET alone shows: messages after a refused form, the error page, the calendar's week.
STATES = (View("notice-form-errors", "safety", "/ui/notices/new", act=submit_empty),
          View("inspection-form-errors", "inspector", "/ui/inspections/new", act=submit_empty),
          View("login-refused", None, "/ui/login", act=fill_bad_token),
          View("not-found", "safety", "/ui/notices/00000000-0000-4000-8000-000000000000", 404),
          View("calendar-week", "inspector", "/ui/inspections?view=week"))


def views(site: Site) -> list[View]:
    return [View(p.name, p.viewer, p.url) for p in site.pages] + list(STATES)


class Tabs:
    """A tab per viewer in one language, reused from page to page: a fresh context (and renderer
    process) per page cost most of this test's CPU. Plain GET pages set no cookie and no storage,
    so a page sees nothing of the one before; a page that acts (sends a form) gets a fresh context."""

    def __init__(self, browser: Any, site: Site, lang: str) -> None:
        self.browser, self.site, self.lang = browser, site, lang
        self.tabs: dict[str | None, Any] = {}
        self.outside: list[str] = []  # requests to other hosts (refused) since the last page

    def fresh(self, viewer: str | None) -> Any:
        ctx = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale=self.lang,
                                       timezone_id="Asia/Shanghai")
        ctx.set_default_timeout(15_000)
        cookies = [{"name": session.LANG_COOKIE, "value": self.lang, "url": self.site.ui.url}]
        if viewer:
            cookies.append({"name": session.COOKIE, "value": self.site.sids[viewer],
                            "url": self.site.ui.url})
        ctx.add_cookies(cookies)
        tab = ctx.new_page()
        here = urlparse(self.site.ui.url).netloc

        def offline(r: Any) -> None:  # a machine with no internet: nothing may come from elsewhere
            if urlparse(r.request.url).netloc == here:
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        tab.route("**/*", offline)
        return tab

    def open(self, page: View) -> Any:
        """The page at desktop width, signed in as its viewer, in the language."""
        if page.act:
            tab = self.fresh(page.viewer)
        else:
            tab = self.tabs.get(page.viewer) or self.tabs.setdefault(page.viewer, self.fresh(page.viewer))
            tab.set_viewport_size({"width": 1280, "height": 900})
        self.outside.clear()
        answer = tab.goto(self.site.ui.url + page.url)
        assert answer is not None and answer.status == page.status, (page, answer and answer.status)
        if page.act:
            page.act(tab)
        assert tab.evaluate("document.documentElement.lang") == self.lang, page
        return tab

    def done(self, page: View, tab: Any) -> None:
        if page.act:
            tab.context.close()

    def close(self) -> None:
        for tab in self.tabs.values():
            tab.context.close()


def test_every_ui_get_route_is_checked_or_excluded_with_a_reason(site: Site) -> None:
    assert site.problems == []
    checked = {p.route for p in site.pages}
    assert checked | set(ui_pages.EXCLUDED) == set(ui_pages.ui_get_routes(site.ui))
    # the pages every user sees most, so a broken discovery cannot pass by checking nothing
    assert {"/ui/login", "/ui/queue", "/ui/notices/{notice_id}", "/ui/inspections",
            "/ui/meetings/{meeting_id}", "/ui/audit/aggregates/{aggregate_id}",
            "/ui/accounts/{account_id}", "/ui/projects/{project_id}"} <= checked


AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')
      .replace(/\\s+/g, ' ').slice(0, 160))}));
}"""


PHONE_CHECK = """([phone, tap]) => {
  const shown = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right > 0 && r.left < phone; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '')
    + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  const wide = [...document.querySelectorAll('main *, header *')]
    .filter(el => shown(el) && el.getBoundingClientRect().right > phone + 0.5
            && ![...el.children].some(c => c.getBoundingClientRect().right > phone + 0.5))
    .slice(0, 5).map(el => name(el) + ' right=' + Math.round(el.getBoundingClientRect().right));
  const small = [];
  const controls = 'button, select, textarea, input:not([type=hidden]), .button, header a, nav a';
  for (const el of document.querySelectorAll(controls)) {
    if (!shown(el)) continue;
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]'))
      target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    const h = target.getBoundingClientRect().height;
    if (h < tap - 0.5) small.push(name(el) + ' ' + Math.round(h) + 'px');
  }
  return {width: document.scrollingElement.scrollWidth, wide, small};
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_no_axe_violation_and_every_page_fits_a_phone_with_tap_targets_a_finger_can_hit(
        site: Site, browser: Any, axe_source: str, lang: str) -> None:
    """Each page once per language (a page load is the cost): axe-core at desktop width, zero
    serious or critical violations; then at phone width (390 px) no sideways scrolling and tap
    targets of at least 40 px."""
    found: list[str] = []
    tabs = Tabs(browser, site, lang)
    for page in views(site):
        tab = tabs.open(page)
        tab.evaluate(axe_source)
        for v in tab.evaluate(AXE_RUN):
            if v["impact"] in ("serious", "critical"):
                found.append(f"{page.name} ({page.url}): {v['id']} [{v['impact']}] {v['help']}\n    "
                             + "\n    ".join(v["nodes"]))
        tab.set_viewport_size({"width": PHONE, "height": 844})
        got = tab.evaluate(PHONE_CHECK, [PHONE, TAP])
        if got["width"] > PHONE:
            found.append(f"{page.name}: scrolls sideways ({got['width']} px): {got['wide']}")
        if got["small"]:
            found.append(f"{page.name}: tap targets under {TAP} px: {got['small']}")
        if tabs.outside:
            found.append(f"{page.name}: asks for files from elsewhere: {tabs.outside}")
        tabs.done(page, tab)
    tabs.close()
    assert found == [], "\n".join(found)
