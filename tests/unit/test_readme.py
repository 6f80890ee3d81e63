"""The README's "What is here" table names every module of domain/ and services/, one line each."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## What is here")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_every_domain_and_service_module_has_its_line() -> None:
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([\w/]+\.py)` \|.*$", _section(), re.M)}
    modules = sorted(str(p.relative_to(ROOT)) for folder in ("domain", "services")
                     for p in (ROOT / folder).rglob("*.py") if p.name != "__init__.py")
    missing = [m for m in modules if m not in rows]
    assert not missing, f"README's 'What is here' lacks: {missing}"
    gone = [r for r in rows if r.startswith(("domain/", "services/")) and not (ROOT / r).exists()]
    assert not gone, f"README's 'What is here' names modules that no longer exist: {gone}"
