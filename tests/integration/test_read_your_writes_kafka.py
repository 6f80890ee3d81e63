"""Read your own writes through the real broker: the relay and each agency's consumer run as
separate processes, and each write is followed at once by the same user's read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container, bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings
from domain.vocabulary import AGENCIES
from tests import read_your_writes
from tests.e2e.conftest import Api
from tests.integration.kafka_support import Proc
from tests.support import ManualClock

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
def rsettings(ksettings: Settings) -> Settings:
    # Generous: the consumers join their groups while the scenario runs; nothing here is timed.
    return ksettings.model_copy(update={"read_your_writes_timeout": 60.0})


@pytest.fixture
def rcontainer(rsettings: Settings, clock: ManualClock) -> Iterator[Container]:
    c = bootstrap(rsettings, clock)
    yield c
    c.close()


def test_each_write_is_in_the_same_users_next_read_through_kafka(
        rsettings: Settings, rcontainer: Container, clock: ManualClock, tmp_path: Path) -> None:
    procs = [Proc(["relay"], rsettings, tmp_path / "relay.log")]
    procs += [Proc(["consume", "--agency", a], rsettings, tmp_path / f"{a}.log") for a in AGENCIES]
    try:
        for p in procs:
            p.start()
        app = create_app(lambda: rcontainer, background=False)
        with TestClient(app) as client:
            read_your_writes.run(Api(client, rcontainer), clock)
    finally:
        for p in procs:
            p.stop()
