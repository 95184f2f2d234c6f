"""Print which of the project's packages import which, and the cycles among them.

    .venv/bin/python tools/import_graph.py

Module-level imports and function-local ones alike (grimp reads both), so a cycle hidden in
a function body shows up here. ``__main__`` modules are left out: nothing imports an entry
point, so it cannot close a cycle. The contracts that keep the graph in shape are in
``pyproject.toml`` (``[tool.importlinter]``), checked by ``lint-imports``; the picture they
describe is docs/architecture.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "environments",
    "run_duel",
    "builder",
    "core",
    "duel_runner",
    "publisher",
    "tournament_manager",
    "console",
    "web",
    "arena",
)


def package_graph() -> dict[str, set[str]]:
    """For each package, the other packages its modules import."""
    present = [p for p in PACKAGES if (ROOT / p / "__init__.py").exists()]
    graph = grimp.build_graph(*present, cache_dir=None)
    edges: dict[str, set[str]] = {p: set() for p in present}
    for importer in graph.modules:
        if importer.endswith(".__main__"):
            continue  # an entry point (python -m X): nothing imports it, so it closes no cycle
        source = importer.split(".")[0]
        for imported in graph.find_modules_directly_imported_by(importer):
            target = imported.split(".")[0]
            if target != source and target in edges:
                edges[source].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of packages that all reach each other (strongly connected, two or more)."""

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges[node])
        return seen

    reach = {package: reachable(package) for package in edges}
    groups: list[list[str]] = []
    for package in edges:
        group = sorted(p for p in reach[package] if package in reach[p])
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def main() -> int:
    sys.path.insert(0, str(ROOT))
    edges = package_graph()
    for package in edges:
        print(f"{package:20} -> {', '.join(sorted(edges[package])) or '(nothing of ours)'}")
    found = cycles(edges)
    print()
    print("cycles:", "; ".join(" <-> ".join(group) for group in found) if found else "none")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
