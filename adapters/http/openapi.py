"""The served OpenAPI document says what the API really answers: the bearer scheme, every status
an operation can return, and the error bodies `errors.py` sends (not FastAPI's defaults).

Each operation's statuses follow from what its route depends on: a user (401), a policy guard
or a write (403, auditors are read-only everywhere), an If-Match (412), a write (409), a path
naming a record (404: any path parameter but `{agency}`), any input (422), the database (503).
So a refusal belongs in a guard (`permit`, `reads`, a `Permit` subclass in `dependencies`), not
in the handler, where this document cannot see it; what only a handler can raise is in EXTRA.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from adapters.http import deps, writes

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
REF = "#/components/schemas/{model}"


CODE = ("stable, for machines: one per problem, listed with its zh-CN and English message in "
        "docs/error-codes.md")
WORDED = "for people, in the language of Accept-Language (zh-CN by default, or en)"


class Problem(BaseModel):
    """Every error but 422: what went wrong; some carry more fields (e.g. 409 `absent`)."""

    model_config = ConfigDict(extra="allow", title="Problem")

    detail: str = Field(description=f"what went wrong, {WORDED}")
    code: str = Field(description=CODE)


class Refusal(Problem):
    """403: the user may not do this (`role_not_allowed`, `agency_not_allowed`, …)."""

    model_config = ConfigDict(extra="forbid", title="Refusal")


class StaleVersionProblem(Problem):
    """412: If-Match named a version that is no longer current."""

    model_config = ConfigDict(extra="forbid", title="StaleVersionProblem")

    current_version: int


class FieldProblem(BaseModel):
    model_config = ConfigDict(extra="forbid", title="FieldProblem")

    field: str = Field(description='the input at fault, dotted ("employer.credit_code"); '
                                   '"body" for the whole body')
    code: str = Field(description=CODE)
    message: str = Field(description=f"why, {WORDED}")
    type: str | None = Field(None, description="pydantic's error type, when it found it")


class ValidationProblem(BaseModel):
    """422: each offending field and why."""

    model_config = ConfigDict(extra="forbid", title="ValidationProblem")

    detail: list[FieldProblem]
    code: str = Field(description="the code of the first offending field's problem")


MODELS: dict[int, type[BaseModel]] = {
    401: Problem, 403: Refusal, 404: Problem, 409: Problem, 412: StaleVersionProblem,
    422: ValidationProblem, 429: Problem, 503: Problem,
}
DESCRIPTIONS = {
    401: "No token, or a token no user has",
    403: "The user's role or agency may not do this (decided before any validation)",
    404: "No such record",
    409: "Refused by a rule, or changed concurrently",
    412: "If-Match names a stale version",
    422: "Bad input: each offending field and why",
    429: "Too many failed sign-ins from this address; retry after Retry-After seconds",
    503: "The database is unavailable; retry (Retry-After)",
}
# Statuses a route's dependencies do not show (raised in the handler).
EXTRA: dict[tuple[str, str], set[int]] = {
    ("POST", "/api/v1/joint-inspections"): {404},  # the proposal named
    ("GET", "/api/v1/audit/as-of/{agency}/queue"): {404},  # no rebuild yet
    ("GET", "/healthz"): {503},
}


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def statuses(method: str, path: str, dependant: Dependant) -> set[int]:
    parts = list(_walk(dependant))
    calls = [d.call for d in parts]
    found = set(EXTRA.get((method, path), set()))
    if deps.current_user in calls:
        found |= {401, 429}  # 429: too many failed sign-ins from the address
    if method in WRITES or any(isinstance(c, (deps.Permit, deps.Reader, deps.Guard))
                               for c in calls):
        found.add(403)
    if method in WRITES and not path.startswith(deps.AUDIT_PREFIX):  # verify changes nothing
        found.add(409)
    if any(p.name != "agency" for p in dependant.path_params):  # `{agency}` alone: a fixed list
        found.add(404)
    if writes.expected_version in calls:
        found.add(412)
    if any(d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params
           for d in parts):
        found.add(422)
    if deps.container in calls:
        found.add(503)
    return found


def _error_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in MODELS.values():
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = FastAPI.openapi(app)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        schemas.update(_error_schemas())
        for r in iter_route_contexts(app.routes):
            if not isinstance(r.original_route, APIRoute) or not r.include_in_schema:
                continue
            path = r.path or ""
            for method in r.methods or ():
                operation = doc["paths"].get(path, {}).get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses(method, path, r.dependant)):
                    model = MODELS[status].__name__
                    responses[str(status)] = {
                        "description": DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
                    }
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
