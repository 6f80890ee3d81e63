"""Auditor pages: an aggregate as a readable timeline (who, when, what changed field by field, the
raw event behind a disclosure) beside its state as of a moment or a log position, and an agency's
read model as of a moment or position, rebuilt on demand from the log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from adapters import audit_wiring
from adapters.accounts import find_account
from adapters.bootstrap import Container
from adapters.http.deps import ContainerDep
from adapters.web import audit_format as fmt
from adapters.web import i18n
from adapters.web.render import error_page, forbidden, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import DomainError
from domain.event_labels import AGGREGATE_LABELS, pair_label
from domain.vocabulary import AGENCIES
from services import audit, audit_timeline
from services.application import NotFound
from services.audit_timeline import documents
from services.policies import audit as policy
from services.projections import queue

router = APIRouter(prefix="/ui/audit", include_in_schema=False)


def _position(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def role_finder(c: Container) -> Callable[[str, datetime], str | None]:
    """The role an actor held at a moment: from its account's history, else its account now."""
    known: dict[str, list[tuple[datetime, str]]] = {}

    def role_of(actor_id: str, moment: datetime) -> str | None:
        if actor_id.startswith("system:"):
            return "system"
        if actor_id not in known:
            known[actor_id] = audit_timeline.roles_at(c.app, actor_id)
            if not known[actor_id]:
                found = find_account(c, actor_id)
                known[actor_id] = [(datetime.min.replace(tzinfo=i18n.TZ), found.role)] if found else []
        return audit_timeline.role_then(known[actor_id], moment)

    return role_of


@router.get("/aggregates/{aggregate_id}", response_class=HTMLResponse)
def aggregate_page(request: Request, aggregate_id: str, c: ContainerDep, actor: WebUserDep,
                   as_of: str = "", position: str = "", version: int | None = None) -> Response:
    if not policy.READ.allows(actor):
        return forbidden(request, actor)
    lang = lang_of(request)
    moment, pos = i18n.parse_local(as_of), _position(position)
    absent = False
    try:
        hist = audit_timeline.history(c.app, aggregate_id)
        try:
            if pos is not None:
                doc = audit_timeline.aggregate_at_position(c.app, aggregate_id, pos)
            else:
                doc = audit.aggregate_as_of(c.app, aggregate_id, as_of=moment,
                                            version=None if moment else version)
        except NotFound:  # not yet created then (or no such version): say so beside the timeline
            absent, moment, pos = True, None, None
            doc = audit.aggregate_as_of(c.app, aggregate_id)
    except DomainError as e:
        return error_page(request, actor, e)
    kind = hist["type"]
    events = fmt.entries(lang, kind, hist["events"], role_finder(c))
    for ev in events:
        ev["after"] = ev["aggregate_version"] > doc["version"]
    state = [(k, fmt.field_label(k, lang), fmt.show(lang, kind, k, v))
             for k, v in doc["state"].items()]
    chosen = moment is not None or pos is not None or version is not None
    return render(request, "audit_aggregate.html", actor, doc=doc, state=state, events=events,
                  type_label=pair_label(AGGREGATE_LABELS, kind, lang),
                  as_of=as_of if moment else (i18n.local_input(doc["modified_on"])
                                              if version and not absent else ""),
                  position=pos or "", aggregate_id=aggregate_id, moment=chosen and not absent,
                  absent=absent)


def _asof_problem(agency: str, as_of: str, position: str, moment: datetime | None,
                  pos: int | None) -> str | None:
    """What is wrong with the as-of form, as the catalogue's key (None: nothing)."""
    if as_of.strip() and moment is None:
        return "bad_moment"
    if position.strip() and pos is None:
        return "bad_position"
    if (moment is None) == (pos is None):
        return "need_moment"
    return "need_agency" if agency not in AGENCIES else None


@router.get("/as-of", response_class=HTMLResponse)
def read_model_page(request: Request, c: ContainerDep, actor: WebUserDep, agency: str = "",
                    as_of: str = "", position: str = "") -> Response:
    if not policy.READ.allows(actor):
        return forbidden(request, actor)
    moment, pos = i18n.parse_local(as_of), _position(position)
    asked = bool(agency or as_of.strip() or position.strip())
    problem = _asof_problem(agency, as_of, position, moment, pos) if asked else None
    result: dict[str, Any] | None = None
    if asked and not problem:
        with audit_wiring.scratch_as_of(c, agency, moment, pos) as (store, outcome):
            with store.transaction(write=False) as tx:
                items = queue(tx)
                reached = max(tx.positions().values(), default=0)
            collections = [(name, [json.dumps(d, ensure_ascii=False, indent=1) for d in docs])
                           for name, docs in documents(store)]
        result = {"items": items, "applied": outcome.applied, "last": reached,
                  "collections": collections}
    return render(request, "audit_asof.html", actor, agencies=AGENCIES, result=result,
                  problem=problem, q={"agency": agency, "as_of": as_of, "position": position},
                  status=422 if problem else 200)
