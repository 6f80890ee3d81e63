"""Crash points for the crash tests: LINKAGE_CRASH_POINTS="relay-after-publish=0.2,...".

Unset in production. A hit kills the process with SIGKILL, as a power cut would.
"""

from __future__ import annotations

import os
import random
import signal
from functools import cache


@cache
def _points() -> dict[str, float]:
    spec = os.environ.get("LINKAGE_CRASH_POINTS", "")
    points = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, prob = part.partition("=")
        points[name] = float(prob or "1")
    return points


def maybe_crash(point: str) -> None:
    p = _points().get(point)
    if p and random.random() < p:
        os.kill(os.getpid(), signal.SIGKILL)
