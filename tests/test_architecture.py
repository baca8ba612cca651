"""The layering rules of ARCHITECTURE.md, checked by walking every import with ast."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent

# Layer of each module (by dotted-name prefix; the longest prefix wins).
LAYERS = {
    "hub.config": 1,
    "hub.activitypub": 2,
    "hub.store": 2,
    "hub.uris": 3,
    "hub.text": 3,
    "hub.actors": 4,
    "hub": 5,  # services: hub/*.py
    "hub.worker": 6,
    "hub.cli": 6,
    "hub.cli_posts": 6,
    "hub.cli_events": 6,
    "hub.cli_people": 6,
    "hub.bootstrap": 6,
    "web": 7,
}
# What a package may never import, whatever the layers say (prefixes of dotted names).
FORBIDDEN = {
    "hub": ("aiohttp.web", "aiohttp_jinja2", "web"),
    "hub.activitypub": ("sqlalchemy", "alembic", "hub"),
    "web": ("sqlalchemy", "bovine", "alembic"),
}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _banned(module: str, imported: str) -> bool:
    for scope, prefixes in FORBIDDEN.items():
        if not _within(module, scope) or _within(imported, scope):
            continue
        if any(_within(imported, prefix) for prefix in prefixes):
            return True
    return False


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("hub", "web"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _layer(module: str) -> int | None:
    matches = [prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


def _violations() -> list[str]:
    problems = []
    for module, path in _modules().items():
        own = _layer(module)
        for imported in _imports(path):
            target = _layer(imported)
            if own is not None and target is not None and target > own and imported != "hub":
                problems.append(f"{module} (layer {own}) imports {imported} (layer {target})")
            if _banned(module, imported):
                problems.append(f"{module} must not import {imported}")
    return sorted(set(problems))


def test_every_module_imports_only_from_its_own_or_lower_layers() -> None:
    assert _violations() == []


def test_the_rule_checker_catches_a_violation() -> None:
    bad = ROOT / "hub" / "activitypub" / "_layer_probe.py"
    bad.write_text("from hub.store.models import Base\nimport sqlalchemy\n")
    try:
        problems = _violations()
    finally:
        bad.unlink()
    assert "hub.activitypub._layer_probe must not import sqlalchemy" in problems
    assert any("hub.activitypub._layer_probe" in p and "hub.store.models" in p for p in problems)


def test_every_module_is_in_a_layer() -> None:
    assert [name for name in _modules() if _layer(name) is None] == []
