"""The 双随机 registers' pages: employers and inspectors, read by admins, inspectors and auditors;
an admin adds or changes entries, deactivates and reactivates them, removes them and links an
inspector entry to the account acting for it — through the API's request models and the same
service, offered by the same policy rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapters.accounts import find_account
from adapters.http.deps import ContainerDep
from adapters.http.registers import AccountLinkIn, DeactivationIn, EntriesIn
from adapters.web import prevention_text
from adapters.web.inspection_form import FormDep
from adapters.web.inspections import parse
from adapters.web.once import OnceDep, WebOnce
from adapters.web.render import NAV, problem, refused, render
from adapters.web.session import WebUserDep, lang_of
from domain import messages
from domain.common import Actor, DomainError
from domain.registers import REGISTER_KINDS
from domain.vocabulary import AGENCIES
from services.policies import registers as policy

assert prevention_text
router = APIRouter(prefix="/ui/registers", include_in_schema=False)
NAV.append(("/ui/registers/inspectors", "registers", ("admin", "inspector", "auditor"), None))
FIELDS = {"employers": ("credit_code", "name"), "inspectors": ("id", "name", "agency")}


def _missing(request: Request, actor: Actor) -> Response:
    return render(request, "error.html", actor, status=404, message=None, status_code=404)


def show(request: Request, c: ContainerDep, actor: Actor, kind: str,
         errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
         done: str = "", status: int = 200) -> Response:
    reg = c.registers.get(kind)
    accounts = [a for a in c.accounts.list(role="inspector", active=True)] \
        if kind == "inspectors" and policy.MANAGE.allows(actor) else []
    return render(request, "registers.html", actor, status=status, kind=kind, kinds=REGISTER_KINDS,
                  entries=reg["entries"], fields=FIELDS[kind], agencies=AGENCIES,
                  accounts=accounts, errors=errors or {}, v=values or {}, done=done,
                  may_manage=policy.MANAGE.allows(actor))


@router.get("/{kind}", response_class=HTMLResponse)
def register_page(request: Request, kind: str, c: ContainerDep, actor: WebUserDep,
                  done: str = "") -> Response:
    if (page := refused(request, actor, policy.READ)) is not None:
        return page
    if kind not in REGISTER_KINDS:
        return _missing(request, actor)
    return show(request, c, actor, kind, done=done)


def change(request: Request, c: ContainerDep, actor: Actor, kind: str, name: str,
           once: WebOnce, command: Callable[[], Any], values: dict[str, str] | None = None,
           ) -> Response:
    try:
        once(command)
    except DomainError as e:
        found = problem(e, lang_of(request))
        if found is None:
            raise
        field = (found[2] or f"step.{name}").removeprefix("entries.0.")
        return show(request, c, actor, kind, {field: found[1]}, values, status=found[0])
    return RedirectResponse(f"/ui/registers/{kind}?done={name}", status_code=303)


@router.post("/{kind}", response_class=HTMLResponse)
def put_entry(request: Request, kind: str, form: FormDep, c: ContainerDep, actor: WebUserDep,
              once: OnceDep) -> Response:
    """Add an entry, or change the one with the same key (its name, an inspector's agency)."""
    if (page := refused(request, actor, policy.MANAGE)) is not None:
        return page
    if kind not in REGISTER_KINDS:
        return _missing(request, actor)
    values = {f: str(form.get(f, "")).strip() for f in FIELDS[kind]}
    body, errors = parse(EntriesIn, {"entries": [{k: v for k, v in values.items() if v}]}, lang_of(request))
    if body is None:
        errors = {k.removeprefix("entries.0."): v for k, v in errors.items()}
        return show(request, c, actor, kind, errors, values, status=422)
    entries = [e.model_dump(exclude_none=True) for e in body.entries]
    return change(request, c, actor, kind, "entry", once,
                  lambda: c.registers.put(kind, actor, entries), values)


@router.post("/{kind}/{key}/deactivation", response_class=HTMLResponse)
def deactivate(request: Request, kind: str, key: str, form: FormDep, c: ContainerDep,
               actor: WebUserDep, once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.MANAGE)) is not None:
        return page
    if kind not in REGISTER_KINDS:
        return _missing(request, actor)
    body, errors = parse(DeactivationIn, {"reason": str(form.get("reason", ""))}, lang_of(request))
    if body is None:
        return show(request, c, actor, kind, errors, status=422)
    return change(request, c, actor, kind, "deactivation", once,
                  lambda: c.registers.deactivate(kind, actor, key, body.reason))


@router.post("/{kind}/{key}/reactivation", response_class=HTMLResponse)
def reactivate(request: Request, kind: str, key: str, c: ContainerDep, actor: WebUserDep,
               once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.MANAGE)) is not None:
        return page
    if kind not in REGISTER_KINDS:
        return _missing(request, actor)
    return change(request, c, actor, kind, "reactivation", once,
                  lambda: c.registers.reactivate(kind, actor, key))


@router.post("/{kind}/{key}/removal", response_class=HTMLResponse)
def remove(request: Request, kind: str, key: str, c: ContainerDep, actor: WebUserDep,
           once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.MANAGE)) is not None:
        return page
    if kind not in REGISTER_KINDS:
        return _missing(request, actor)
    return change(request, c, actor, kind, "removal", once,
                  lambda: c.registers.remove(kind, actor, key))


@router.post("/inspectors/{key}/account", response_class=HTMLResponse)
def link_account(request: Request, key: str, form: FormDep, c: ContainerDep, actor: WebUserDep,
                 once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.MANAGE)) is not None:
        return page
    body, errors = parse(AccountLinkIn, {"account_id": str(form.get("account_id", ""))}, lang_of(request))
    account = find_account(c, body.account_id) if body is not None else None
    if body is None or account is None:
        return show(request, c, actor, "inspectors",
                    errors or {"account_id": messages.render(
                        "no_such_account", lang_of(request), {"account_id": body.account_id})},
                    status=422)
    return change(request, c, actor, "inspectors", "account", once,
                  lambda: c.registers.link_account(actor, key, account))
