"""Input guards on AccidentNotice commands: times must carry an offset, figures be finite.

Filing already refuses a naive `now` (InvalidValue, field "now", via require_aware); the
same rule should hold for every later command, whose time is recorded in its event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import pytest

from domain.accident_notice import AccidentNotice, Casualties
from domain.common import SYSTEM_WATCHER, Actor, DomainError, InvalidValue

NAIVE = datetime(2024, 3, 5, 12, 0)  # no UTC offset


def _commands(safety: Actor, liaison: Actor) -> dict[str, Callable[[AccidentNotice], None]]:
    return {
        "acknowledge": lambda n: n.acknowledge(actor=safety, now=NAIVE),
        "revise": lambda n: n.revise(actor=liaison, casualties=Casualties(1, 0, 0, Decimal(0)),
                                     reason="one died", now=NAIVE),
        "escalate": lambda n: n.escalate(actor=SYSTEM_WATCHER, agency="safety", now=NAIVE),
        "close": lambda n: n.close(actor=liaison, reason="concluded", now=NAIVE),
        "withdraw": lambda n: n.withdraw(actor=liaison, reason="filed in error", now=NAIVE),
    }


@pytest.mark.parametrize("command", ["acknowledge", "revise", "escalate", "close", "withdraw"])
def test_every_command_refuses_a_naive_now(
    fresh_notice: AccidentNotice, agency_actor: Callable[[str], Actor], liaison: Actor,
    command: str,
) -> None:
    with pytest.raises(InvalidValue) as caught:
        _commands(agency_actor("safety"), liaison)[command](fresh_notice)
    assert caught.value.field == "now"
    assert fresh_notice.version == 1  # nothing recorded


@pytest.mark.parametrize("loss", ["NaN", "Infinity"])
def test_non_finite_loss_is_refused_as_an_invalid_value(loss: str) -> None:
    with pytest.raises(DomainError) as caught:
        Casualties(0, 0, 0, Decimal(loss))
    assert caught.value.field == "direct_loss_cny"
