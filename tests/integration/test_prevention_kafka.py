"""Through a real broker: every agency read model equals a rebuild, from the log and from Kafka."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from adapters.bootstrap import Container
from adapters.settings import Settings
from domain.vocabulary import AGENCIES
from services.agencies.finance import ledger
from tests.integration.kafka_support import (
    LINKAGE,
    Proc,
    docs,
    env_of,
    rebuilt,
    wait_until,
)
from tests.integration.test_rebuild_agencies import make_mixed_history
from tests.support import ManualClock


@pytest.mark.heavy
def test_read_models_equal_a_rebuild_after_a_run_through_the_broker(
    kcontainer: Container, ksettings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    procs = {"relay": Proc(["relay"], ksettings, tmp_path / "relay.log")}
    for agency in AGENCIES:
        procs[agency] = Proc(["consume", "--agency", agency], ksettings, tmp_path / f"{agency}.log")
    try:
        for p in procs.values():
            p.start()
        make_mixed_history(kcontainer, clock, notices=150, projects=15, seed=29)
        expected = {a: rebuilt(kcontainer, a) for a in AGENCIES}  # straight from the event store
        assert expected["health"]["follow_ups"] and expected["hrss"]["cases"]
        assert expected["finance"]["projects"] and expected["finance"]["fund_years"]
        wait_until(lambda: all(docs(kcontainer, a) == expected[a] for a in AGENCIES), 180,
                   "every live read model to equal its rebuild")
        with kcontainer.store("finance").transaction() as tx:
            [row] = ledger(tx)
        assert row["paid_cny"] != "0.00" and row["approved_total_cny"] != "0.00"
        # `linkage rebuild` from the beginning of the agency's topics, with the consumer stopped.
        for agency in AGENCIES:
            procs[agency].stop()
            run = subprocess.run([LINKAGE, "rebuild", "--agency", agency], env=env_of(ksettings),
                                 capture_output=True, text=True, timeout=300)
            assert run.returncode == 0, run.stderr
            assert f"rebuilding {agency} from Kafka" in run.stdout + run.stderr
            assert "dead-lettered 0" in run.stdout
            assert docs(kcontainer, agency) == expected[agency], f"{agency} differs after rebuild"
    finally:
        for p in procs.values():
            p.stop()
