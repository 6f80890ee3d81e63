"""`linkage audit ...`: replay, as-of, verify, report, checkpoint (read-only for the history)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO
from uuid import UUID

import typer

from adapters.bootstrap import Container, bootstrap
from adapters.cli_errors import existing_data, existing_files, known_agency
from adapters.settings import Settings

audit_app = typer.Typer(help="The auditor: replay, state as of a moment, tamper evidence, report",
                        no_args_is_help=True)
CSV_FIELDS = ("notification_id", "time", "mechanism", "event_type", "aggregate_id",
              "aggregate_version", "actor_id", "actor_name", "agency", "payload")


def parse_time(value: str | None, name: str) -> datetime | None:
    """ISO 8601 with an offset, or a bare date (midnight UTC)."""
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError as e:
        raise typer.BadParameter("须为 ISO 8601 时间 / must be an ISO 8601 time, e.g. "
                                 "2026-05-01T08:00:00+08:00",
                                 param_hint=name) from e
    if t.tzinfo is None:
        if len(value) > 10:
            raise typer.BadParameter("须带时区偏移 / must carry a UTC offset", param_hint=name)
        t = t.replace(tzinfo=UTC)
    return t


@contextmanager
def _container() -> Iterator[Container]:
    c = bootstrap(existing_data(Settings()))  # the audit only reads: never a new, empty store
    try:
        yield c
    finally:
        c.close()


@contextmanager
def _output(out: Path | None) -> Iterator[TextIO]:
    if out is None:
        yield sys.stdout
        return
    with out.open("w", encoding="utf-8", newline="") as f:
        yield f


def _csv_row(rec: dict[str, Any]) -> dict[str, Any]:
    row = {k: rec[k] for k in CSV_FIELDS if k in rec}
    row.update(actor_id=rec["actor"]["id"], actor_name=rec["actor"]["name"],
               payload=json.dumps(rec["payload"], ensure_ascii=False))
    return row


@audit_app.command()
def replay(
    start: Annotated[str | None, typer.Option("--from", help="Events at or after this time")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Events before this time")] = None,
    aggregate: Annotated[str | None, typer.Option(help="One aggregate's id")] = None,
    agency: Annotated[str | None, typer.Option(help="The acting agency")] = None,
    actor: Annotated[str | None, typer.Option(help="The acting user's id or name")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Event type, e.g. Acknowledged")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
    verify: Annotated[bool, typer.Option(help="Check every event against the hash chain")] = True,
) -> None:
    """Stream the history in order: time, actor, agency, type and payload of each event."""
    from services import audit
    from services.chain import notifications

    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("须为 jsonl 或 csv / must be jsonl or csv", param_hint="--format")
    try:
        agg = UUID(aggregate) if aggregate else None
    except ValueError as e:
        raise typer.BadParameter("须为 UUID / must be a UUID", param_hint="--aggregate") from e
    filters = audit.Filters(parse_time(start, "--from"), parse_time(end, "--to"), agg,
                            known_agency(agency), actor, type_)
    with _container() as c, _output(out) as f:
        total = c.app.recorder.max_notification_id() or 0
        result = None
        with typer.progressbar(length=max(total, 1), label="replaying", file=sys.stderr) as bar:
            if verify:
                from adapters import audit_wiring

                audit_wiring.chainer(c).extend()
                records, result = audit.verified_replay(
                    c.app, c.store(audit_wiring.AUDIT_STORE), filters,
                    audit_wiring.exported_checkpoints(c), bar.update)
            else:
                records = audit.replay(c.app, filters, notifications(c.app), bar.update)
            writer = csv.DictWriter(f, CSV_FIELDS) if fmt == "csv" else None
            if writer:
                writer.writeheader()
            for rec in records:
                if writer:
                    writer.writerow(_csv_row(rec))
                else:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if result is not None:
        if not result.ok:
            typer.echo(f"VERIFICATION FAILED: {result.problem}", err=True)
            raise typer.Exit(1)
        typer.echo(f"verified {result.checked} events; chain head {result.head} "
                   f"(event {result.head_notification_id})", err=True)


@audit_app.command("as-of")
def as_of(
    moment: Annotated[str | None, typer.Argument(
        help="ISO 8601 time with offset (or give --position)")] = None,
    position: Annotated[int | None, typer.Option(
        "--position", min=1, help="The log position (notification id) to stop at instead")] = None,
) -> None:
    """Rebuild every agency's read model as of a moment, or once the log reached a position,
    into separate stores (asof_<agency>)."""
    from adapters import audit_wiring
    from services.projections import queue

    if (moment is None) == (position is None):
        raise typer.BadParameter("给出时间或 --position 之一 / give either MOMENT or --position",
                                 param_hint="MOMENT")
    at = parse_time(moment, "MOMENT")
    with _container() as c:
        total = c.app.recorder.max_notification_id() or 0
        label = f"rebuilding as of {at.isoformat()}" if at else f"rebuilding up to event {position}"
        with typer.progressbar(length=max(min(total, position or total), 1), label=label,
                               file=sys.stderr) as bar:
            outcomes = audit_wiring.rebuild_as_of(c, at, bar.update, position=position)
        for agency, outcome in outcomes.items():
            with c.store(audit_wiring.as_of_store(agency)).transaction() as tx:
                items = queue(tx)
            typer.echo(f"{agency}: {outcome.applied} events applied; queue had {len(items)} items")
            for item in items:
                typer.echo(f"  {item.get('kind')} {item.get('notice_id', '')} "
                           f"deadline {item.get('deadline')} {item.get('employer_name', '')}")


@audit_app.command()
def verify(
    checkpoints: Annotated[list[Path] | None, typer.Option(
        "--checkpoints", help="More exported checkpoint files (JSON Lines) to compare with")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON")] = False,
) -> None:
    """Recompute the hash chain from the stored rows; exit 1 naming the first broken link."""
    from adapters import audit_wiring

    with _container() as c:
        result = audit_wiring.verify(c, existing_files(checkpoints or [], "--checkpoints"))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    elif result["ok"]:
        typer.echo(f"OK: {result['checked']} events, chain head {result['head']} "
                   f"(event {result['head_notification_id']}), "
                   f"{result['checkpoints_checked']} checkpoints matched")
    else:
        typer.echo(f"BROKEN: {result['problem']}")
    for r in result["consumers"]:
        if not r["ok"]:
            typer.echo(f"consumer {r['consumer']} inconsistent: {'; '.join(r['problems'])}")
    if not result["ok"] or not result["consumers_ok"]:
        raise typer.Exit(1)


@audit_app.command()
def report(
    out: Annotated[Path, typer.Option(help="Where to write the HTML report")] = Path("report.html"),
    start: Annotated[str | None, typer.Option("--from", help="Period start")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Period end (default: now)")] = None,
) -> None:
    """Write a self-contained HTML audit report (中文 / English)."""
    from adapters.audit_report import build_report

    with _container() as c:
        html = build_report(c, parse_time(start, "--from"),
                            parse_time(end, "--to") or datetime.now(UTC))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(str(out))


@audit_app.command()
def checkpoint(export: Annotated[Path | None, typer.Option(
        help="Also append the checkpoint to this file (JSON Lines)")] = None) -> None:
    """Extend the chain and record (and export) a checkpoint of its head."""
    from adapters import audit_wiring

    with _container() as c:
        ch = audit_wiring.chainer(c)
        ch.extend()
        point = ch.checkpoint()
        if point is None:  # the head did not move: export the latest again
            point = ch.stored_checkpoints()[-1] if ch.stored_checkpoints() else None
        if point is None:
            typer.echo("the log is empty: nothing to checkpoint", err=True)
            raise typer.Exit(1)
        if export is not None:
            audit_wiring.FileExport(export)(point)
    typer.echo(json.dumps(point))
