"""Finance and hrss pages: the fee ledger per fund year with approvals waiting (one-click approve,
pay), hrss statistics by month with a chart and the year-on-year change, and the floating-rate
proposals with their reasons — all read from the agencies' own read models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapters.http.deps import ContainerDep
from adapters.http.fresh import web_read
from adapters.web import catalogue_work, i18n
from adapters.web.once import OnceDep
from adapters.web.render import NAV, error_page, forbidden, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor, DomainError
from services.agencies import finance, hrss
from services.policies import prevention as policy
from services.policies.agencies import may_read
from services.projections import queue

assert catalogue_work
router = APIRouter(prefix="/ui", include_in_schema=False)
NAV.append(("/ui/ledger", "ledger", None, ("finance",)))
NAV.append(("/ui/statistics", "statistics", None, ("hrss",)))
NAV.append(("/ui/rate-proposals", "rate_proposals", None, ("hrss",)))
i18n.register({
    "approve": ("批准", "Approve"),
    "pay": ("拨付", "Pay"),
    "disbursements_waiting": ("待拨付", "Disbursements waiting"),
    "budget": ("预算", "Budget"),
    "project": ("项目", "Project"),
    "cap_ratio": ("上限比例", "Cap ratio"),
    "no_fund_years": ("尚未设立基金年度。", "No fund year yet."),
    "year": ("年度", "Year"),
    "cases": ("案件数", "Cases"),
    "previous_year": ("上年同期", "Previous year"),
    "yoy": ("同比", "Year on year"),
    "by_month": ("按月统计", "By month"),
    "by_district": ("按区县", "By district"),
    "by_industry": ("按行业", "By industry"),
    "chart_label": ("{y} 年与上年各月案件数", "Cases per month, {y} against the year before"),
    "no_cases": ("暂无案件。", "No cases yet."),
    "rate_year": ("费率年度 {y}（依据 {r} 年记录）", "Rate year {y} (record of {r})"),
    "base_rate": ("基准费率", "Base rate"),
    "factor": ("浮动", "Factor"),
    "rate": ("建议费率", "Proposed rate"),
    "reasons": ("理由", "Reasons"),
    "notices_count": ("通报数", "Notices"),
})


def _reader(request: Request, actor: Actor, agency: str) -> Response | None:
    if not may_read(actor, agency):
        return forbidden(request, actor)
    return None


def _pct(part: str, whole: str) -> float:
    w = Decimal(whole)
    return 0.0 if w <= 0 else float(min(Decimal(100), Decimal(part) * 100 / w))


@router.get("/ledger", response_class=HTMLResponse)
def ledger(request: Request, c: ContainerDep, actor: WebUserDep, done: str = "") -> Response:
    refused = _reader(request, actor, "finance")
    if refused:
        return refused
    web_read(c, actor.id, "finance")
    with c.store("finance").transaction() as tx:
        years, items = finance.ledger(tx), queue(tx)
    for y in years:
        y["paid_pct"] = _pct(y["paid_cny"], y["cap_cny"])
        y["unpaid_pct"] = _pct(y["approved_unpaid_cny"], y["cap_cny"])
    return render(request, "ledger.html", actor, years=years, done=done,
                  approvals=[i for i in items if i["kind"] == "approve_project"],
                  payments=[i for i in items if i["kind"] == "pay_disbursement"],
                  may_act=policy.APPROVE.allows(actor))


@router.post("/ledger/{project_id}/{step}", response_model=None)
def ledger_step(request: Request, project_id: str, step: str, c: ContainerDep, actor: WebUserDep,
                once: OnceDep, disbursement: str = "") -> Response:
    rule = {"approve": policy.APPROVE, "pay": policy.PAY}.get(step)
    if rule is None or not rule.allows(actor):
        return forbidden(request, actor)
    try:
        pid = UUID(project_id)
        if step == "approve":
            once(lambda: c.projects.approve(pid, actor))
        else:
            once(lambda: c.projects.pay(pid, disbursement, actor))
    except ValueError:
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    except DomainError as e:
        return error_page(request, actor, e)
    return RedirectResponse(f"/ui/ledger?done={step}", status_code=303)


def _year(value: str) -> int | None:
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2101 else None


@router.get("/statistics", response_class=HTMLResponse)
def statistics(request: Request, c: ContainerDep, actor: WebUserDep, year: str = "") -> Response:
    refused = _reader(request, actor, "hrss")
    if refused:
        return refused
    web_read(c, actor.id, "hrss")
    with c.store("hrss").transaction() as tx:
        cases = hrss.all_cases(tx)
    stats = hrss.statistics(cases, _year(year))
    years = sorted({int(x["month"][:4]) for x in cases}, reverse=True)
    top = max([1] + [max(m["cases"], m["previous_year_cases"]) for m in stats["by_month"]])
    return render(request, "statistics.html", actor, s=stats, years=years, top=top)


@router.get("/rate-proposals", response_class=HTMLResponse)
def rate_proposals(request: Request, c: ContainerDep, actor: WebUserDep, year: str = "") -> Response:
    refused = _reader(request, actor, "hrss")
    if refused:
        return refused
    web_read(c, actor.id, "hrss")
    with c.store("hrss").transaction() as tx:
        result: dict[str, Any] = hrss.rate_proposals(hrss.all_cases(tx), _year(year),
                                                      lang_of(request))
    return render(request, "rate_proposals.html", actor, r=result)
