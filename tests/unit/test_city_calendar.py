"""Months and days are the city's (Beijing, UTC+8), whatever offset a time was written with:
an accident at 01:30 on New Year's Day in Beijing is January's, even when another agency's
system sent it as 17:30 UTC on 31 December."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import beijing_month
from services.agencies.hrss import all_cases, statistics
from services.audit_compliance import monthly_by_grade
from tests.unit.test_health_finance_hrss_models import SAFETY, Log, code, fold, notice

CST = timezone(timedelta(hours=8))
NEW_YEAR = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 01:30 on 1 January 2027 in Beijing


def test_beijing_month_of_a_moment_and_of_its_text() -> None:
    assert beijing_month(NEW_YEAR) == "2027-01"
    assert beijing_month(NEW_YEAR.isoformat()) == "2027-01"
    assert beijing_month("2027-01-01T01:30:00+08:00") == "2027-01"
    assert beijing_month("2026-12-31T15:59:59Z") == "2026-12"  # 23:59:59 on the 31st


def test_hrss_counts_an_accident_in_its_beijing_month_whatever_its_offset() -> None:
    log = Log()
    notice(log, 400, NEW_YEAR)  # written in UTC
    notice(log, 401, NEW_YEAR.astimezone(CST))  # the same moment written in Beijing time
    notice(log, 402, datetime(2026, 12, 31, 15, 59, tzinfo=UTC))  # 23:59 on 31 December
    with fold("hrss", log.envelopes).transaction() as tx:
        cases = all_cases(tx)
    assert sorted(c["month"] for c in cases) == ["2026-12", "2027-01", "2027-01"]
    assert statistics(cases, 2027)["total"]["cases"] == 2
    assert statistics(cases, 2026)["total"]["cases"] == 1


def test_the_audit_report_counts_filings_in_beijing_months() -> None:
    filed = [{"filed_at": "2026-11-30T16:30:00+00:00", "grade": "ordinary"},  # 1 Dec, 00:30
             {"filed_at": "2026-11-30T15:30:00+00:00", "grade": "ordinary"}]  # 30 Nov, 23:30
    assert monthly_by_grade(filed) == {"2026-11": {"ordinary": 1}, "2026-12": {"ordinary": 1}}


def test_the_employers_latest_name_is_by_the_moment_not_by_how_it_was_written() -> None:
    log = Log()
    morning = datetime(2026, 3, 2, 9, 0, tzinfo=CST)  # 01:00 UTC, written in Beijing time
    afternoon = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 13:00 in Beijing, written in UTC
    for name, occurred in (("福州旧名机械厂", morning), ("福州新名机械有限公司", afternoon)):
        log.save(AccidentNotice.file(
            actor=SAFETY, employer=Employer(name, code(500), "制造业", 4),
            incident=Incident("鼓楼区", occurred, "车间", "事故", "fall"),
            casualties=Casualties(0, 0, 0, Decimal(0)), now=afternoon + timedelta(hours=1)))
    with fold("hrss", log.envelopes).transaction() as tx:
        cases = all_cases(tx)
    [row] = statistics(cases, 2026)["by_employer"]
    assert row["employer_name"] == "福州新名机械有限公司" and row["cases"] == 2
