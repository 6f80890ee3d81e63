from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from adapters.accounts import Accounts
from adapters.bootstrap import Container
from adapters.http.app import create_app


class Api:
    """A test client with a token per (agency, role)."""

    def __init__(self, client: TestClient, container: Container) -> None:
        self.client = client
        self.container = container
        self.tokens: dict[tuple[str, str], str] = {}

    def auth(self, agency: str, role: str = "liaison", name: str | None = None) -> dict[str, str]:
        key = (agency, role)
        if key not in self.tokens:
            accounts = Accounts(self.container.store("api"))
            self.tokens[key] = accounts.add(name or f"{agency}-{role}", agency, role)
        return {"Authorization": f"Bearer {self.tokens[key]}"}


@contextmanager
def api_for(container: Container) -> Iterator[Api]:
    """The container's app behind a test client (its background jobs off)."""
    with TestClient(create_app(lambda: container, background=False)) as client:
        yield Api(client, container)


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    with api_for(container) as made:
        yield made


ApiFactory = Callable[[Container], Api]
