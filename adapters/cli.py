"""The `linkage` command: serve, users, demo, relay, consume, rebuild, schema."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.cli_errors import say
from adapters.settings import Settings

app = typer.Typer(help="linkage — 工伤事故预防联动机制 coordination system", no_args_is_help=True,
                  pretty_exceptions_enable=False)
importing = typer.Typer(help="Import records from other systems 导入", no_args_is_help=True)
app.add_typer(importing, name="import")


def _add_users() -> None:
    from adapters.users_cli import users

    app.add_typer(users, name="users")


_add_users()


def _add_audit() -> None:
    from adapters.audit_cli import audit_app

    app.add_typer(audit_app, name="audit")


_add_audit()

AgencyOpt = Annotated[str, typer.Option(help="hrss, safety, health or finance")]
MetricsPortOpt = Annotated[int | None, typer.Option(
    help="Serve /metrics, /healthz and /readyz on this port (Prometheus, health checks)")]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"linkage {version('linkage')}")
        except PackageNotFoundError:
            typer.echo("linkage (not installed)")
        raise typer.Exit()


@app.callback()
def _root(ctx: typer.Context, version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version and exit 显示版本")] = False) -> None:
    """linkage — 工伤事故预防联动机制 coordination system"""
    from services import correlation

    # What a command saves (an import, a user added) carries the run's id; a server's
    # requests and jobs name their own.
    ctx.with_resource(correlation.caused_by(
        correlation.job_id(f"cli-{ctx.invoked_subcommand or 'linkage'}")))


def _own_metrics() -> None:
    """The relay and consumers serve their own port: no multiprocess files for them."""
    import os

    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def _logging(level: str = "INFO") -> None:
    """JSON lines (LINKAGE_LOG_FORMAT=json, the default off a terminal) or plain ones."""
    from adapters.logs import setup

    setup(level)


@app.command()
def serve(
    host: str = "127.0.0.1", port: int = 8000,
    access_log: Annotated[bool, typer.Option(
        help="Log a line per request (uvicorn's access log); off saves a few percent of the "
             "server's CPU where a proxy in front logs requests anyway")] = True,
    workers: Annotated[int, typer.Option(
        min=1, help="Server worker processes (/metrics sums them: PROMETHEUS_MULTIPROC_DIR)")] = 1,
) -> None:
    """Serve the HTTP API (and, on the embedded default, the agency consumers)."""
    import os

    import uvicorn

    _logging()
    if not access_log:  # one line per request: linkage.access (with the request id)
        logging.getLogger("linkage.access").setLevel(logging.WARNING)
        os.environ["LINKAGE_ACCESS_LOG"] = "0"  # for the workers' own set-up
    settings = Settings()
    logging.getLogger("linkage").info("linkage on %s", settings.describe())
    # Our handler for uvicorn's loggers too (log_config=None), and our access line, not its.
    plain = {"log_config": None, "access_log": False}
    if workers > 1:
        import tempfile

        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="linkage-metrics-")
        uvicorn.run("adapters.http.app:from_settings", factory=True, host=host, port=port,
                    workers=workers, timeout_worker_healthcheck=60,  # slow starts on a busy host
                    **plain)  # type: ignore[arg-type]
        return
    from adapters.http.app import from_settings

    # The one worker's app is built as each of several workers builds its own.
    uvicorn.run(from_settings(), host=host, port=port, **plain)  # type: ignore[arg-type]


@app.command()
def demo(data_dir: Annotated[Path | None, typer.Option(help="Folder for the demo's data")] = None) -> None:
    """Run a short scenario on the embedded default and print what happened (中文 / English)."""
    from adapters.demo import run_demo

    run_demo(data_dir)


@app.command()
def relay(once: Annotated[bool, typer.Option(help="Publish the backlog and exit")] = False,
          metrics_port: MetricsPortOpt = None) -> None:
    """Publish the notification log to Kafka (needs LINKAGE_KAFKA_BOOTSTRAP)."""
    _own_metrics()
    from adapters.cli_errors import needs_kafka
    from adapters.kafka_relay import run_relay

    settings = Settings()
    needs_kafka(settings, "nothing to relay to")
    _logging()
    run_relay(settings, once=once, metrics_port=metrics_port)


@app.command()
def consume(agency: AgencyOpt,
            once: Annotated[bool, typer.Option(help="Consume what is there and exit")] = False,
            metrics_port: MetricsPortOpt = None) -> None:
    """Run one agency's consumer (Kafka consumer group linkage-<agency>)."""
    from adapters.cli_errors import known_agency, needs_kafka

    known_agency(agency)
    _own_metrics()
    from adapters.kafka_consumer import run_consumer

    settings = Settings()
    needs_kafka(settings, "use `linkage serve`, whose consumers run in-process")
    _logging()
    run_consumer(settings, agency, once=once, metrics_port=metrics_port)


@app.command()
def notify(once: Annotated[bool, typer.Option(help="Send what is owed and exit")] = False,
           metrics_port: MetricsPortOpt = None) -> None:
    """Send notifications (email, webhooks, SMS): Kafka consumer group linkage-notify, or fed
    from the notification log on the embedded default."""
    from adapters.notify.runner import run_notify

    _logging()
    _own_metrics()
    run_notify(Settings(), once=once, metrics_port=metrics_port)


@app.command()
def rebuild(agency: AgencyOpt) -> None:
    """Rebuild an agency read model from the beginning, with a progress bar."""
    from adapters.cli_errors import known_agency

    known_agency(agency)
    from adapters.rebuild import rebuild_agency

    _logging("WARNING")
    rebuild_agency(Settings(), agency)


@app.command()
def schema(out: Annotated[Path, typer.Option(help="Where to write the JSON Schema")] =
           Path("docs/event-schema.json")) -> None:
    """Write the event envelope's JSON Schema."""
    from services.envelope import schema_text

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(schema_text(), encoding="utf-8")
    typer.echo(str(out))


@app.command()
def watch(once: Annotated[bool, typer.Option(help="Check once and exit")] = True) -> None:
    """Run the deadline watcher: escalate every missed acknowledgement deadline."""
    from adapters.bootstrap import bootstrap

    c = bootstrap(Settings())
    try:
        for notice_id, agency in c.watcher.run_once():
            typer.echo(f"escalated {notice_id} {agency}")
    finally:
        c.close()


@app.command("backup")
def backup_cmd(out: Annotated[Path, typer.Argument(help="A new or empty folder for the backup")]) -> None:
    """Back up the embedded default (SQLite online backup; the server may keep running)."""
    from adapters.backup import BackupError, backup
    from adapters.cli_errors import existing_data

    try:
        manifest = backup(existing_data(Settings()), out)
    except BackupError as e:
        say(str(e))
        raise typer.Exit(1) from e
    typer.echo(f"已备份 / backed up {len(manifest['files'])} files, "
               f"{manifest['event_store_head']} events, to {out}")


@app.command("restore")
def restore_cmd(folder: Annotated[Path, typer.Argument(help="A folder `linkage backup` wrote")]) -> None:
    """Restore a backup into LINKAGE_DATA_DIR (new or empty; stop linkage first)."""
    from adapters.backup import BackupError, restore

    settings = Settings()
    try:
        manifest = restore(settings, folder)
    except BackupError as e:
        say(str(e))
        raise typer.Exit(1) from e
    typer.echo(f"已恢复 / restored {manifest['event_store_head']} events into "
               f"{settings.data_dir.resolve()} (backup of {manifest['created_at']})")


@importing.command("notices")
def import_notices(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="The records: .csv (UTF-8) or .xlsx")],
    mapping: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                                          help="The mapping file (TOML): columns to notice fields")],
    token: Annotated[str, typer.Option(envvar="LINKAGE_TOKEN",
                                       help="A liaison's token: the notices are filed in their name")],
    dry_run: Annotated[bool, typer.Option(help="Check every row and report; file nothing")] = False,
    rejects: Annotated[Path | None, typer.Option(
        help="Where rejected rows go, with the reason (default: FILE.rejected.csv here)")] = None,
) -> None:
    """File accident notices from a CSV or Excel file; a re-run files nothing twice."""
    from adapters.bootstrap import bootstrap
    from adapters.import_mapping import Mapping, MappingError
    from adapters.importer import Importer, as_actor, read_rows, summary

    rejects = rejects or Path(f"{file.stem}.rejected.csv")
    c = bootstrap(Settings())
    try:
        spec = Mapping.load(mapping)
        header, rows = read_rows(file, spec)
        importer = Importer(c, as_actor(c, token), spec)
        with typer.progressbar(length=max(len(rows), 1), label="导入 / importing",
                               file=sys.stderr) as bar:
            report = importer.run(header, rows, dry_run, rejects, bar.update)
    except MappingError as e:
        say(str(e))
        raise typer.Exit(2) from e
    finally:
        c.close()
    typer.echo(summary(report, dry_run))
    if report.rejected and not report.filed and not report.existing:
        raise typer.Exit(1)


def main() -> None:
    from adapters.cli_errors import EXPECTED, describe

    try:
        app()
    except EXPECTED as e:  # a file or folder given that cannot be used: said, not a traceback
        say(describe(e))
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
