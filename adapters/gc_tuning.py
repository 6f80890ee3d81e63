"""The cyclic garbage collector tuned for the batch processes (`linkage consume`, `rebuild`) and
for the server (`linkage serve`)."""

from __future__ import annotations

import gc

# Allocations between young collections (CPython's default is 700).
YOUNG = 50_000


def for_batches() -> None:
    """A consumer allocates and frees tens of objects per event (envelopes, JSON documents),
    none in a cycle: reference counting frees them. At the default thresholds the collector
    ran every 700 of them and walked each batch's live documents again and again (a quarter
    of a rebuild's CPU in a profile). Freeze what start-up left (never garbage) and collect
    less often: memory stays flat, as cycles are rare and still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, 20, 20)


def for_serving() -> None:
    """A full collection walked everything the server built at start (modules, routes, models:
    ~115,000 objects) in 60-100 ms, and a request in flight waited for it: measured in the
    end-to-end benchmark as pauses of 100-160 ms. None of it is ever garbage: freeze it, so a
    collection walks only what requests made since."""
    gc.collect()
    gc.freeze()
