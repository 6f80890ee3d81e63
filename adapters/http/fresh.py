"""Read your own writes over HTTP (services/freshness.py does the work).

- `WritesMiddleware`: a request that stored events answers `Linkage-Position: <n>` (the
  notification id of its last event). The user's marks were stored with the events, in their
  transaction (services/freshness.Writer), so a read on any server process knows them.
- `read_your_writes`: a read of an agency's read model waits (at most
  LINKAGE_READ_YOUR_WRITES_TIMEOUT seconds, default 2) until that model holds the user's last
  write and the write named by a `Linkage-Position` request header, if any; if it is still
  behind, the answer says `Linkage-Stale: true`. With no recent write it costs one key lookup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated

import anyio
from fastapi import Depends, Header, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.bootstrap import Container
from adapters.http.deps import ContainerDep, UserDep
from adapters.http.errors import problem
from domain.vocabulary import AGENCIES
from services.agencies import projection_for
from services.freshness import last_write, marks_at, noting, wait_until_reached

POSITION = "Linkage-Position"
STALE = "Linkage-Stale"


class WritesMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        with noting() as writes:
            async def send_with_position(message: Message) -> None:
                if message["type"] == "http.response.start" and writes.position is not None:
                    headers = list(message.get("headers", []))
                    headers.append((POSITION.lower().encode(), str(writes.position).encode()))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_position)


@cache
def mechanisms_of(agency: str) -> tuple[str, ...]:
    return projection_for(agency).mechanisms


def settle(c: Container, actor_id: str, agency: str, position: int | None) -> bool:
    """Wait until `agency`'s read model holds the user's last write (and `position`)."""
    marks = last_write(c.app.write_log, actor_id, datetime.now(UTC))
    if position is not None:
        at = marks_at(c.app.recorder, position)
        if not at and position > (c.app.recorder.max_notification_id() or 0):
            return False  # answered to no write: no read model will hold it (Linkage-Stale)
        marks += at
    if not marks:
        return True
    feeder = c.agency_feeders.get(agency)
    return wait_until_reached(c.store(agency), mechanisms_of(agency), marks,
                              c.settings.read_your_writes_timeout,
                              feeder.catch_up if feeder is not None else None)


def requested_position(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.strip().isdigit():
        raise problem(422, "bad_position", POSITION)
    return int(value)


async def read_your_writes(request: Request, response: Response, c: ContainerDep,
                           actor: UserDep,
                           linkage_position: Annotated[str | None, Header()] = None) -> None:
    """For the routes under /api/v1/agencies/{agency}/: reads wait for the user's writes."""
    if request.method != "GET":
        return
    agency = request.url.path.split("/")[4]
    if agency not in AGENCIES:  # not an agency: the route answers 422
        return
    position = requested_position(linkage_position)
    if not await anyio.to_thread.run_sync(settle, c, actor.id, agency, position):
        response.headers[STALE] = "true"


FreshDep = Depends(read_your_writes)


def web_read(c: Container, actor_id: str, agency: str) -> bool:
    """The staff UI's reads of an agency's read model: the same wait, in the route's thread
    (and, on the embedded default, that model is brought up to date first, as it always was)."""
    feeder = c.agency_feeders.get(agency)
    if feeder is not None:
        feeder.catch_up()
    return settle(c, actor_id, agency, None)
