"""The layers of the code: kit → units → indicators, notices → domains → dashboard / reports / api /
audit / demo / ops, imports going one way (every import of a module, at any depth,
migrations left out)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "gongjian"
LAYER = {
    "kit": 0,
    "units": 1,
    "indicators": 2,
    "notices": 2,
    "sso": 2,
    **dict.fromkeys(
        ["projects", "enterprises", "attraction", "inspections", "appeals", "policies", "review"]
        + ["finance", "govservice", "strategy"],
        3,
    ),
    **dict.fromkeys(["dashboard", "reports", "api", "audit", "demo", "ops"], 4),
}
DOMAIN_FACES = {"views", "sheets", "api", "urls", "forms"}


def _imports():
    """(app, module path, imported module, names) for every import inside ``gongjian/``."""
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        app = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(rel.parts[:-1])[: len(rel.parts) - node.level]
                    module = ".".join(["gongjian", *base, node.module or ""]).rstrip(".")
                else:
                    module = node.module or ""
                yield app, rel, module, [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield app, rel, alias.name, []


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for app, _rel, module, _names in _imports():
        parts = module.split(".")
        if len(parts) > 1 and parts[0] == "gongjian" and parts[1] in LAYER and parts[1] != app:
            edges.setdefault(app, set()).add(parts[1])
    return edges


def test_every_app_has_a_layer():
    apps = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "apps.py").exists()}
    assert apps == set(LAYER)


def test_imports_go_down_the_layers_or_across_domains_without_a_cycle():
    edges = _edges()
    upward = [(a, b) for a, targets in edges.items() for b in targets if LAYER[b] > LAYER[a]]
    assert not upward
    # within a layer (the domains, the top), no cycle
    seen: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        if seen.get(node) == 1:
            raise AssertionError(f"import cycle: {' → '.join([*stack, node])}")
        if seen.get(node) == 2:
            return
        seen[node] = 1
        for nxt in sorted(edges.get(node, ())):
            visit(nxt, [*stack, node])
        seen[node] = 2

    for app in LAYER:
        visit(app, [])


def test_no_private_name_or_domain_face_is_imported_across_apps():
    bad = []
    for app, rel, module, names in _imports():
        parts = module.split(".")
        if len(parts) < 2 or parts[0] != "gongjian" or parts[1] == app or parts[1] not in LAYER:
            continue
        bad += [f"{rel}: {module}.{n}" for n in names if n.startswith("_")]
        if LAYER[parts[1]] == 3 and LAYER[app] == 3:
            face = parts[2] if len(parts) > 2 else ""
            if face in DOMAIN_FACES or DOMAIN_FACES & set(names):
                bad.append(f"{rel}: {module} {names}")
    assert not bad


def test_row_scope_is_defined_once():
    """``restrict`` is the one row scope: no model or module defines its own."""
    found = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.FunctionDef)
        and node.name in {"visible_to", "editable_by", "restrict", "scope_q"}
    ]
    assert sorted(found) == ["kit/scope.py", "kit/scope.py", "kit/scope.py"]
