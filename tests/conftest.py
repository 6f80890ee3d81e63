"""Fixtures shared by every test package.

PostgreSQL and Kafka tests run when LINKAGE_TEST_DATABASE_URL / LINKAGE_TEST_KAFKA_BOOTSTRAP
are set; with LINKAGE_REQUIRE_SERVICES=1 (as in CI) a missing service fails them instead of
skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import Container, bootstrap
from adapters.settings import Settings
from tests.support import ManualClock

REQUIRED = os.environ.get("LINKAGE_REQUIRE_SERVICES") == "1"


def need(var: str, what: str) -> str:
    value = os.environ.get(var)
    if not value:
        if REQUIRED:
            pytest.fail(f"{what} is required here but {var} is not set")
        pytest.skip(f"{what} not configured ({var})")
    return value


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """How `make test` shares the tests between its two pytest-xdist workers (`--dist
    loadgroup`): the heavy ones (each kills processes or drives a browser for half a minute or
    more) run one after another in one lane, started first so they neither crowd each other on
    two cores nor trail at the end; every other file is a group of its own, so its module's
    server is started once. Without xdist only the order changes."""
    heavy = [i for i in items if i.get_closest_marker("heavy")]
    rest = [i for i in items if not i.get_closest_marker("heavy")]
    for item in heavy:
        item.add_marker(pytest.mark.xdist_group("heavy"))
    for item in rest:
        item.add_marker(pytest.mark.xdist_group(item.location[0]))
    items[:] = heavy + rest


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def pg_url() -> str:
    return need("LINKAGE_TEST_DATABASE_URL", "PostgreSQL")


@pytest.fixture
def kafka_bootstrap() -> str:
    return need("LINKAGE_TEST_KAFKA_BOOTSTRAP", "Kafka")


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    """A fresh schema per test, dropped afterwards, so tests never see each other's rows."""
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield schema
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def sqlite_settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=None, kafka_bootstrap=None, **kw)


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The same test on the embedded default and on PostgreSQL: only the settings differ."""
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    url = need("LINKAGE_TEST_DATABASE_URL", "PostgreSQL")
    schema = request.getfixturevalue("pg_schema")
    return Settings(database_url=url, database_schema=schema, kafka_bootstrap=None,
                    data_dir=tmp_path / "var")


@pytest.fixture
def container(settings: Settings, clock: ManualClock) -> Iterator[Container]:
    c = bootstrap(settings, clock)
    yield c
    c.close()


@pytest.fixture
def make_container(clock: ManualClock) -> Iterator[Callable[[Settings], Container]]:
    made: list[Container] = []

    def make(s: Settings) -> Container:
        c = bootstrap(s, clock)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


