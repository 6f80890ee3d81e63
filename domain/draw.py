"""双随机: the reproducible random draw of employers and inspectors from the registers.

The seed and the registers' digests are recorded with the draw, so anyone can run it again and
get the same employers and inspectors (verify_draw).
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from domain.common import DomainError


class DrawError(DomainError):
    """The registers cannot give what the draw asks for."""


def canonical(entries: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    return sorted((dict(e) for e in entries), key=lambda e: e[key])


def digest(entries: list[dict[str, str]], key: str) -> str:
    """SHA-256 of the register's canonical JSON (sorted entries, sorted keys, no spaces)."""
    text = json.dumps(canonical(entries, key), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_draw(seed: str, employers: list[dict[str, str]], inspectors: list[dict[str, str]],
             agencies: list[str], target_count: int,
             inspector_count: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Targets and inspectors drawn with random.Random(seed) from the sorted registers.

    Inspectors come only from the participating agencies, one from each first (so that at
    least two agencies take part), then the rest from everyone left.
    """
    rng = random.Random(seed)
    pool_e = canonical(employers, "credit_code")
    if not 1 <= target_count <= len(pool_e):
        raise DrawError("draw_too_many_targets", count=target_count, pool=len(pool_e))
    targets = rng.sample(pool_e, target_count)
    pool_i = [e for e in canonical(inspectors, "id") if e["agency"] in agencies]
    chosen: list[dict[str, str]] = []
    for agency in sorted(set(agencies)):
        of_agency = [e for e in pool_i if e["agency"] == agency]
        if not of_agency:
            raise DrawError("draw_no_inspector", agency=agency)
        chosen.append(rng.choice(of_agency))
    if inspector_count < len(chosen):
        raise DrawError("draw_one_per_agency", count=len(chosen))
    rest = [e for e in pool_i if e not in chosen]
    if inspector_count - len(chosen) > len(rest):
        raise DrawError("draw_too_many_inspectors", count=inspector_count, pool=len(pool_i))
    chosen += rng.sample(rest, inspector_count - len(chosen))
    return targets, chosen


def make_draw(seed: str, employers: list[dict[str, str]], inspectors: list[dict[str, str]],
              agencies: list[str], target_count: int, inspector_count: int) -> dict[str, Any]:
    """The record of a draw, as stored in the Scheduled event: enough to re-run it."""
    targets, drawn = run_draw(seed, employers, inspectors, agencies, target_count, inspector_count)
    return {
        "seed": seed, "target_count": target_count, "inspector_count": inspector_count,
        "agencies": sorted(set(agencies)),
        "employer_register": canonical(employers, "credit_code"),
        "employer_register_sha256": digest(employers, "credit_code"),
        "inspector_register": canonical(inspectors, "id"),
        "inspector_register_sha256": digest(inspectors, "id"),
        "targets": targets, "inspectors": drawn,
    }


def verify_draw(record: dict[str, Any]) -> list[str]:
    """What does not match when the draw is re-run from its record; empty when it is confirmed."""
    problems = []
    for name, key in (("employer_register", "credit_code"), ("inspector_register", "id")):
        if digest(record[name], key) != record[f"{name}_sha256"]:
            problems.append(f"{name} does not match its SHA-256 digest")
    try:
        targets, drawn = run_draw(record["seed"], record["employer_register"],
                                  record["inspector_register"], record["agencies"],
                                  record["target_count"], record["inspector_count"])
    except DrawError as e:
        return [*problems, f"the draw cannot be re-run: {e.message}"]
    if targets != record["targets"]:
        problems.append("re-running the draw gives other targets")
    if drawn != record["inspectors"]:
        problems.append("re-running the draw gives other inspectors")
    return problems
