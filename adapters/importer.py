"""`linkage import notices FILE`: accident records from another system (CSV or Excel).

Each row becomes the API's request body through the mapping (adapters/import_mapping.py),
is validated by the API's own request model and filed through the same domain rules. Its
notice id is derived from the mapping's name and the row's key, so a second run finds the
notices the first one filed and files nothing twice. Rows that fail go to a rejected-rows CSV
with the reason.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import ValidationError

from adapters.bootstrap import Container
from adapters.http.notices import NoticeIn
from adapters.http.validation import items
from adapters.import_mapping import Mapping, MappingError, Row, RowError
from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor, DomainError
from domain.vocabulary import bilingual
from services.application import ConcurrentWrite

REASON = "原因 / reason"
ROW = "行号 / row"


@dataclass
class Report:
    rows: int = 0
    filed: int = 0  # or, in a dry run, would be filed
    existing: int = 0  # filed by an earlier run: left alone
    rejected: int = 0
    grades: Counter[str] = field(default_factory=Counter)
    rejects_file: Path | None = None


def read_rows(path: Path, mapping: Mapping) -> tuple[list[str], list[Row]]:
    """The file's header and rows (CSV in UTF-8, with or without BOM; or .xlsx)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book[mapping.sheet] if mapping.sheet else book.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(values, ())]
            rows = [dict(zip(header, r, strict=False)) for r in values
                    if any(v is not None and str(v).strip() for v in r)]
        finally:
            book.close()
    else:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    missing = sorted(mapping.columns() - set(header))
    if missing:
        raise MappingError(f"文件中没有这些列 / columns not in {path.name}: {', '.join(missing)}")
    return header, rows


def _reason(e: ValidationError) -> str:
    """Each offending field with the API's own message, in Chinese then English."""
    return "; ".join(f"{z['field']}: {z['message']} / {en['message']}"
                     for z, en in zip(items(e.errors(), "zh-CN"), items(e.errors(), "en"),
                                      strict=True))


def _domain_reason(err: DomainError) -> str:
    where = getattr(err, "field", None)
    text = f"{err.text('zh-CN')} / {err.text('en')}"
    return f"{where}: {text}" if where else text


class Importer:
    def __init__(self, c: Container, actor: Actor, mapping: Mapping, batch: int = 200) -> None:
        self.c = c
        self.actor = actor
        self.mapping = mapping
        self.batch = batch
        self.deadlines = c.settings.deadlines()

    def notice_id(self, key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"linkage:import:{self.mapping.name}:{key}")

    def build(self, row: Row, notice_id: UUID) -> AccidentNotice:
        """The notice this row files (not saved), through the API's model and the domain."""
        try:
            body = NoticeIn.model_validate(self.mapping.notice(row))
        except ValidationError as invalid:
            raise RowError(_reason(invalid)) from invalid
        em = body.employer
        try:
            return AccidentNotice.file(
                actor=self.actor, employer=Employer(em.name, em.credit_code, em.industry, em.risk_class),
                incident=Incident(body.district, body.occurred_at, body.location, body.summary,
                                  body.cause, body.measures_taken),
                casualties=Casualties(body.deaths, body.serious_injuries, body.missing,
                                      body.direct_loss_cny),
                now=self.c.clock(), deadlines=self.deadlines, notice_id=notice_id)
        except DomainError as err:
            raise RowError(_domain_reason(err)) from err

    def exists(self, notice_id: UUID) -> bool:
        return bool(self.c.app.recorder.select_events(notice_id, limit=1))

    def save(self, notices: list[AccidentNotice], report: Report) -> None:
        """One transaction for the batch; if some were filed before, the others one by one."""
        if not notices:
            return
        try:
            self.c.app.commit(*notices)
            report.filed += len(notices)
            return
        except ConcurrentWrite:
            pass
        new = [n for n in notices if not self.exists(n.id)]
        report.existing += len(notices) - len(new)
        for n in new:
            try:
                self.c.app.commit(n)
                report.filed += 1
            except ConcurrentWrite:  # filed meanwhile by another run
                report.existing += 1

    def run(self, header: Sequence[str], rows: Sequence[Row], dry_run: bool,
            rejects: Path | None, progress: Callable[[int], None] | None = None) -> Report:
        report = Report(rows=len(rows))
        rejected: list[tuple[int, Row, str]] = []
        seen: dict[UUID, int] = {}
        pending: list[AccidentNotice] = []
        for number, row in enumerate(rows, start=1):
            key = self.mapping.row_key(row)
            try:
                if not key.replace("\x1f", ""):
                    raise RowError("行键为空 / the row key columns are empty")
                nid = self.notice_id(key)
                if nid in seen:
                    raise RowError(f"行键与第 {seen[nid]} 行重复 / same row key as row {seen[nid]}")
                seen[nid] = number
                notice = self.build(row, nid)
            except (RowError, MappingError) as e:
                rejected.append((number, row, str(e)))
                continue
            if dry_run:
                if self.exists(nid):
                    report.existing += 1
                else:
                    report.filed += 1
                    report.grades[notice.grade] += 1
            else:
                report.grades[notice.grade] += 1
                pending.append(notice)
                if len(pending) >= self.batch:
                    self.save(pending, report)
                    pending = []
            if progress and number % 50 == 0:
                progress(50)
        self.save(pending, report)
        if progress:
            progress(len(rows) % 50)
        report.rejected = len(rejected)
        if rejected and rejects is not None:
            write_rejects(rejects, header, rejected)
            report.rejects_file = rejects
        return report


def write_rejects(path: Path, header: Sequence[str], rejected: list[tuple[int, Row, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # the BOM: Excel reads UTF-8
        writer = csv.writer(f)
        writer.writerow([ROW, REASON, *header])
        for number, row, reason in rejected:
            writer.writerow([number, reason, *(row.get(h, "") for h in header)])


def summary(report: Report, dry_run: bool) -> str:
    verb = "将导入 / would file" if dry_run else "已导入 / filed"
    grades = "，".join(f"{bilingual('grade', g)} {n}" for g, n in sorted(report.grades.items()))
    lines = [f"{report.rows} 行 / rows: {verb} {report.filed}; 已存在 / already imported "
             f"{report.existing}; 拒绝 / rejected {report.rejected}"]
    if grades:
        lines.append(f"有效行的等级 / grades of the valid rows: {grades}")
    if report.rejects_file is not None:
        lines.append(f"被拒绝的行及原因 / rejected rows and reasons: {report.rejects_file}")
    return "\n".join(lines)


def as_actor(c: Container, token: str) -> Actor:
    """The user filing the notices: a liaison, as the API requires."""
    from adapters.accounts import authenticate

    actor = authenticate(c, token).actor  # unknown, expired, revoked or deactivated: None
    if actor is None:
        raise MappingError("令牌无效 / the token is not valid (linkage users add)")
    if actor.role != "liaison":
        raise MappingError("只有联络员可以报送通报 / only a liaison may file notices")
    return actor
