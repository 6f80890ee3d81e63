"""`linkage users ...`: the operator's account commands (the CLI acts as `system:cli`).

The first account is made here: `linkage users add --name N --agency A --role admin --system`
creates a system-wide admin, who then manages every agency's accounts through the API or UI.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

import typer

from adapters.cli_errors import say_refused
from adapters.settings import Settings

users = typer.Typer(help="Manage accounts and their tokens", no_args_is_help=True)
token_app = typer.Typer(help="Issue, list and revoke an account's tokens", no_args_is_help=True)
users.add_typer(token_app, name="token")

IdArg = Annotated[str, typer.Argument(help="The account's id (see `linkage users list`)")]


@contextmanager
def _accounts() -> Iterator[Any]:
    from adapters.accounts import import_legacy_users
    from adapters.bootstrap import bootstrap

    c = bootstrap(Settings())
    try:
        import_legacy_users(c)
        yield c.accounts
    finally:
        c.close()


def _run(action: Callable[[Any], Any]) -> Any:
    """Run a command; a refused one prints why on stderr and exits 2 (nothing changed)."""
    from domain.common import DomainError

    with _accounts() as accounts:
        try:
            return action(accounts)
        except DomainError as e:
            say_refused(e)
            raise typer.Exit(2) from e


def _texts(**options: tuple[str, int]) -> dict[str, str]:
    """The names given (option → (value, limit)) under the API's text rule (trimmed, not blank,
    no control characters, at most `limit` characters): every refused one is said on stderr,
    then exit 2 before anything is opened."""
    from domain.common import InvalidValue
    from domain.values import text_problem

    cleaned: dict[str, str] = {}
    refused = False
    for option, (value, limit) in options.items():
        cleaned[option], why = text_problem(value, max_length=limit)
        if why is not None:
            say_refused(InvalidValue(why, option.replace("_", "-")))
            refused = True
    if refused:
        raise typer.Exit(2)
    return cleaned


@users.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array on stdout")] = False,
    agency: Annotated[str | None, typer.Option(help="Only this agency")] = None,
    role: Annotated[str | None, typer.Option(help="Only this role")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Only (in)active")] = None,
) -> None:
    """List accounts (id, name, agency, role, active)."""
    docs = _run(lambda a: a.list(agency=agency, role=role, active=active))
    rows = [{"id": d["id"], "name": d["name"], "agency": d["agency"], "role": d["role"],
             "active": d["active"], "system": d["system"],
             "tokens": sum(1 for t in d["tokens"] if t["revoked_at"] is None)} for d in docs]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        flags = ("active" if r["active"] else "DEACTIVATED") + (" system-admin" if r["system"] else "")
        typer.echo(f"{r['id']}  {r['agency']:<8} {r['role']:<9} {flags:<20} {r['name']}")


@users.command("add")
def users_add(
    name: Annotated[str, typer.Option(help="The person's name")],
    agency: Annotated[str, typer.Option(help="hrss, safety, health or finance")],
    role: Annotated[str, typer.Option(help="liaison, inspector, auditor or admin")],
    system: Annotated[bool, typer.Option(help="A system-wide admin (every agency's accounts)")] = False,
    token_name: Annotated[str, typer.Option(help="The first token's name")] = "default",
) -> None:
    """Create an account; prints its first token as the only line on stdout."""
    from services.accounts import CLI_ACTOR

    given = _texts(name=(name, 100), token_name=(token_name, 60))
    made = _run(lambda a: a.add(CLI_ACTOR, name=given["name"], agency=agency, role=role,
                                system_admin=system, token_name=given["token_name"]))
    where = Settings().describe().split(";")[0]
    typer.echo(f"用户已写入 / user written to: {where}", err=True)
    typer.echo(made["token"]["token"])


@users.command("role")
def users_role(account_id: IdArg, role: Annotated[str, typer.Argument(help="The new role")]) -> None:
    """Change an account's role."""
    from services.accounts import CLI_ACTOR

    _run(lambda a: a.change_role(CLI_ACTOR, account_id, role))
    typer.echo(f"{account_id} role {role}", err=True)


@users.command("deactivate")
def users_deactivate(account_id: IdArg,
                     reason: Annotated[str, typer.Option(help="Why")] = "") -> None:
    """Deactivate an account: its tokens and sessions stop working on every server."""
    from services.accounts import CLI_ACTOR

    _run(lambda a: a.deactivate(CLI_ACTOR, account_id, reason))
    typer.echo(f"{account_id} deactivated", err=True)


@users.command("reactivate")
def users_reactivate(account_id: IdArg) -> None:
    """Reactivate an account (its unexpired, unrevoked tokens work again)."""
    from services.accounts import CLI_ACTOR

    _run(lambda a: a.reactivate(CLI_ACTOR, account_id))
    typer.echo(f"{account_id} reactivated", err=True)


@token_app.command("issue")
def token_issue(
    account_id: IdArg,
    name: Annotated[str, typer.Option(help="The token's name, e.g. the device")] = "default",
    days: Annotated[float | None, typer.Option(
        help="Lifetime in days, 1 to 366 (default: the setting)")] = None,
) -> None:
    """Issue a new token; prints it as the only line on stdout (shown once)."""
    from services.accounts import CLI_ACTOR

    token_name = _texts(name=(name, 60))["name"]
    if days is not None and not 1 <= days <= 366:  # the API's bounds (expires_in_days)
        from domain.common import InvalidValue

        say_refused(InvalidValue("greater_than_equal", "days", ge=1) if days < 1 else
                     InvalidValue("less_than_equal", "days", le=366))
        raise typer.Exit(2)

    def issue(a: Any) -> Any:
        expires_at = a.clock() + timedelta(days=days) if days is not None else None
        return a.issue_token(CLI_ACTOR, account_id, token_name, expires_at)

    typer.echo(_run(issue)["token"])


@token_app.command("list")
def token_list(account_id: IdArg) -> None:
    """An account's tokens: id, name, expiry, revoked."""
    view = _run(lambda a: a.get(account_id))
    from datetime import datetime

    from domain.common import beijing_minute

    for t in view["tokens"]:
        state = ("有效 usable" if t["usable"] else
                 "已吊销 revoked" if t["revoked_at"] else "已过期 expired")
        expires = beijing_minute(datetime.fromisoformat(t["expires_at"]))
        typer.echo(f"{t['id']}  {state:<11} 到期 / expires {expires} (北京时间 / Beijing time)  "
                   f"{t['name']}")


@token_app.command("revoke")
def token_revoke(account_id: IdArg,
                 token_id: Annotated[str, typer.Argument(help="The token's id")]) -> None:
    """Revoke one token: it stops working on every server within seconds."""
    from services.accounts import CLI_ACTOR

    _run(lambda a: a.revoke_token(CLI_ACTOR, account_id, token_id))
    typer.echo(f"token {token_id} revoked", err=True)
