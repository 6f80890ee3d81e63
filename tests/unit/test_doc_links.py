"""The README's and the docs' links lead to files of this repository (a clone has no ../shared)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_relative_link_stays_inside_the_repository_and_exists() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # a web address or an anchor on the same page
            path = (page.parent / target.split("#")[0]).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken, broken


def test_the_contract_is_in_the_repository() -> None:
    contract = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    assert "POST /api/v1/accident-notices" in contract and "linkage users add" in contract
    assert "../shared/API.md" not in (ROOT / "README.md").read_text(encoding="utf-8")
