"""Issue 12 in a real browser: each timeline step as it was, the closing rule, the queue in
urgency order, and the form refusing what the domain refuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import credit_code

SAFETY = Actor(id="seed-safety", name="王敏", agency="safety", role="liaison")


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    """A server of its own: these notices (overdue ones among them) must not reach the
    queues, registers and draws the session's other browser tests look at."""
    server = UiServer(tmp_path_factory.mktemp("ui-rules") / "var").start()
    yield server
    server.stop()
    server.container.close()


def file(ui: UiServer, employer: str, n: int, deaths: int = 0) -> str:
    now = ui.clock()
    result = ui.container.notices.file(
        SAFETY, Employer(employer, credit_code(n), "制造业", 4),
        Incident("台江区", now - timedelta(hours=1), "车间", "机械伤害", "mechanical"),
        Casualties(deaths, 0, 0, Decimal("5000")))
    return str(result["id"])


def test_timeline_steps_keep_their_grade_and_the_page_states_the_closing_rule(
        ui: UiServer, new_page: Any) -> None:
    nid = file(ui, "福州较大事故有限公司", 201, deaths=3)
    ui.container.notices.revise(UUID(nid), SAFETY, Casualties(10, 0, 0, Decimal("5000")),
                                "七人抢救无效")
    page = new_page()
    sign_in(page, ui, ui.token("safety", name="王敏"))
    page.goto(f"{ui.url}/ui/notices/{nid}")
    expect(page.get_by_test_id("grade")).to_have_text("重大")
    filed = page.locator("[data-step='filed']")
    expect(filed).to_contain_text("填报通报，等级：较大")
    expect(filed.get_by_test_id("step-state")).to_contain_text("死亡人数 3")
    revised = page.locator("[data-step='revised']")
    expect(revised).to_contain_text("较大 → 重大")
    expect(revised.get_by_test_id("step-state")).to_contain_text("死亡人数 10")
    expect(page.get_by_test_id("close-rule")).to_contain_text("结案须本轮所有必需部门确认")
    expect(page.get_by_test_id("close-rule")).to_contain_text("应急管理局")


def test_queue_is_most_urgent_first(ui: UiServer, new_page: Any) -> None:
    try:  # filed in the past: safety's 1-hour deadline has passed for the first two
        ui.clock.offset = -timedelta(minutes=80)
        ordinary = file(ui, "一般事故甲公司", 202)  # the most overdue
        ui.clock.offset = -timedelta(minutes=70)
        major = file(ui, "重大事故乙公司", 203, deaths=10)
        ui.clock.offset = -timedelta(minutes=40)
        later = file(ui, "稍后事故丙公司", 204)
    finally:
        ui.clock.offset = timedelta(0)
    page = new_page()
    sign_in(page, ui, ui.token("safety", name="王敏"))
    page.goto(f"{ui.url}/ui/queue")
    items = page.get_by_test_id("queue-item")
    expect(items.first).to_be_visible()
    order = [items.nth(i).get_attribute("data-notice") for i in range(items.count())]
    mine = list(dict.fromkeys(n for n in order if n in (ordinary, major, later)))
    # (the 重大 notice also has safety's inspection proposal, without a deadline: last)
    assert mine == [ordinary, major, later]
    for overdue in (ordinary, major):
        expect(page.locator(f"[data-notice='{overdue}'] .badge.bad")).to_be_visible()
    expect(page.locator(f"[data-notice='{later}'] .badge.bad")).to_have_count(0)
    expect(page.locator(".muted").first).to_contain_text("按紧急程度排序")


def test_the_form_refuses_control_characters_and_fractions_of_a_fen(
        ui: UiServer, new_page: Any) -> None:
    page = new_page()
    sign_in(page, ui, ui.token("safety", name="王敏"))
    page.goto(f"{ui.url}/ui/notices/new")
    page.fill("#f-employer-name", "闽江建工集团有限公司")
    page.fill("#f-employer-credit_code", credit_code(205))
    page.fill("#f-direct_loss_cny", "1.005")
    page.fill("#f-location", "\u200b ")
    page.get_by_role("button", name="提交通报").click()
    expect(page.locator("[data-error-for='direct_loss_cny']")).to_contain_text("最多两位小数")
    expect(page.locator("[data-error-for='direct_loss_cny']")).not_to_contain_text("Value error")
    expect(page.locator("[data-error-for='location']")).not_to_be_empty()
