"""The layers as DESIGN.md draws them: domain ← services ← adapters, and no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "services", "adapters")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, list[tuple[str, list[str]]]]:
    """Each module's imports, function-level ones included: (module, names imported)."""
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found[_module(path)] = [
                *((a.name, []) for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names),
                *((n.module, [a.name for a in n.names]) for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and n.module and n.level == 0),
            ]
    return found


def _internal(name: str, modules: set[str]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_domain_uses_only_the_standard_library_and_eventsourcing_domain() -> None:
    for module, imports in _imports().items():
        if module.startswith("domain"):
            for name, _ in imports:
                top = name.split(".")[0]
                assert top in ("domain", "__future__") or name == "eventsourcing.domain" or \
                    top in {"dataclasses", "datetime", "decimal", "typing", "uuid", "random", "hashlib",
                            "collections", "re", "enum", "itertools", "math", "unicodedata", "json",
                            "functools", "zoneinfo"}, f"{module} imports {name}"


def test_services_know_nothing_of_adapters_or_transports() -> None:
    for module, imports in _imports().items():
        if module.startswith("services"):
            for name, _ in imports:
                assert name.split(".")[0] not in ("adapters", "fastapi", "kafka", "psycopg", "starlette"), \
                    f"{module} imports {name}"


def test_no_import_cycle() -> None:
    found = _imports()
    modules = set(found)
    graph = {m: {t for name, _ in imps if (t := _internal(name, modules)) and t != m}
             for m, imps in found.items()}
    # A package's __init__ importing its own modules is not a cycle of meaning.
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in sorted(graph.get(m, ())):
            assert state.get(t) != 1, "import cycle: " + " → ".join([*path[path.index(t):], t])
            if t not in state:
                visit(t)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_the_web_layer_uses_no_private_name_of_the_http_layer() -> None:
    for module, imports in _imports().items():
        if module.startswith("adapters.web"):
            for name, names in imports:
                if name.startswith("adapters.http"):
                    private = [n for n in names if n.startswith("_")]
                    assert not private, f"{module} imports {private} from {name}"
