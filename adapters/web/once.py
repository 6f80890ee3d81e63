"""Every form a page renders carries its own key (`_key`, added by render): sent again — a
double click, the browser's retry after the server died — the command is applied once.

The same mechanism as the API's Idempotency-Key (services/requests.py): the key and the
command's result are stored in the events' transaction, and a re-sent form gets that result.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from adapters.bootstrap import Container
from adapters.faults import maybe_crash
from adapters.http.deps import ContainerDep
from adapters.web.session import WebUserDep
from domain.common import Actor
from services.requests import run_once

FIELD = "_key"
_POST_FORM = re.compile(r'(<form\b[^>]*\bmethod="post"[^>]*>)', re.IGNORECASE)


def with_form_keys(html: str) -> str:
    """A fresh key in each POST form of a rendered page."""
    return _POST_FORM.sub(lambda m: f'{m.group(1)}<input type="hidden" name="{FIELD}" '
                                    f'value="{secrets.token_urlsafe(16)}">', html)


class WebOnce:
    def __init__(self, c: Container, actor: Actor, key: str | None, digest: str) -> None:
        self.container = c
        self.scoped = f"{actor.id}:web:{key}" if key else None
        self.digest = digest

    def __call__(self, action: Callable[[], Any]) -> Any:
        """The command's result; the stored one when this form was sent before.
        A refused command stores nothing (the form is shown again with the message)."""
        answer = run_once(self.container.app, self.scoped, self.digest,
                          lambda: (200, action()), lambda _: None)
        maybe_crash("web-after-commit")
        return answer.body


async def web_once(request: Request, c: ContainerDep, actor: WebUserDep) -> WebOnce:
    form = await request.form()
    key = form.get(FIELD)
    fields = sorted((k, v) for k, v in form.multi_items() if isinstance(v, str) and k != FIELD)
    digest = hashlib.sha256(json.dumps(
        [request.method, request.url.path, request.url.query, fields]).encode()).hexdigest()
    return WebOnce(c, actor, key if isinstance(key, str) and 0 < len(key) <= 200 else None,
                   digest)


OnceDep = Annotated[WebOnce, Depends(web_once)]
