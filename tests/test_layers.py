"""The layers of the code as drawn in docs/development.md, checked from the source with `ast`
(nothing is imported, so an import hidden in a function counts as much as one at the top).

- No import cycle inside `itpp_api` or inside `itpp_web`: an import at any depth counts,
  a function-level one too (it only hides the cycle from the interpreter), but not one under
  `if TYPE_CHECKING:` (it never runs).
- Routers parse, resolve and call a service: no router module imports SQLAlchemy, SQLModel's
  query functions, or runs statements or transactions on the session itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "itpp_api": ROOT / "services" / "api" / "itpp_api",
    "itpp_web": ROOT / "services" / "web" / "itpp_web",
}


def _modules(package: str) -> dict[str, Path]:
    """Every module of `package`, by dotted name (a package by its own name)."""
    base = PACKAGES[package]
    found: dict[str, Path] = {}
    for path in sorted(base.rglob("*.py")):
        parts = [package, *path.relative_to(base).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of a module at any depth, but those under `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imported(
    module: str, is_package: bool, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]
) -> list[str]:
    """The modules of `modules` an import statement of `module` loads: `from a.b import c`
    loads the module a.b.c if there is one, else a.b (or the nearest package above it that is
    one of `modules`)."""
    if isinstance(node, ast.Import):
        wanted = [alias.name for alias in node.names]
    else:
        if node.level:
            parts = module.split(".")
            if not is_package:
                parts.pop()
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, node.module] if node.module else parts)
        else:
            base = node.module or ""
        wanted = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names
        ]
    found = []
    for target in wanted:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target:
            found.append(target)
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports."""
    modules = _modules(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree):
            graph[name].update(_imported(name, path.name == "__init__.py", node, modules))
        graph[name].discard(name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_function_level_imports_count_but_type_checking_ones_do_not() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from x import hidden\n"
        "def f():\n    from y import z\n"
    )
    modules = {name: Path(name) for name in ("m", "x", "y", "typing")}
    found = [_imported("m", False, node, modules) for node in _imports(tree)]
    assert sorted(name for names in found for name in names) == ["typing", "y"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_cycle(package: str) -> None:
    cycle = find_cycle(import_graph(package))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


# What a router may not do itself: query (SQLAlchemy, SQLModel's query functions) or run
# statements or transactions on a session. Each route parses, resolves and calls a service.
QUERY_PACKAGES = ("sqlalchemy", "sqlmodel")
SESSION_METHODS = frozenset(
    {
        "add",
        "begin",
        "commit",
        "delete",
        "exec",
        "execute",
        "flush",
        "get",
        "merge",
        "query",
        "refresh",
        "rollback",
        "scalar",
        "scalars",
    }
)
ROUTERS = sorted(PACKAGES["itpp_api"].rglob("router.py"))


def sql_in_router(source: str) -> list[str]:
    """What a router module's source does that belongs in a service, line by line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            if any((name or "").split(".")[0] in QUERY_PACKAGES for name in names):
                found.append(f"line {node.lineno}: imports {', '.join(n or '' for n in names)}")
        elif isinstance(node, ast.Call):
            function = node.func
            if (
                isinstance(function, ast.Attribute)
                and isinstance(function.value, ast.Name)
                and "session" in function.value.id
                and function.attr in SESSION_METHODS
            ):
                found.append(f"line {node.lineno}: {function.value.id}.{function.attr}()")
            elif isinstance(function, ast.Name) and function.id == "transaction":
                found.append(f"line {node.lineno}: transaction()")
    return found


def test_sql_in_router_finds_queries_and_transactions() -> None:
    source = (
        "from sqlalchemy import select\nfrom itpp_api.db import transaction\n"
        "def f(session):\n    session.exec(select(1))\n"
        "    with transaction(write=True) as s:\n        pass\n"
    )
    assert sql_in_router(source) == [
        "line 1: imports sqlalchemy",
        "line 4: session.exec()",
        "line 5: transaction()",
    ]


@pytest.mark.parametrize(
    "path", ROUTERS, ids=[str(p.relative_to(PACKAGES["itpp_api"])) for p in ROUTERS]
)
def test_no_sql_in_routers(path: Path) -> None:
    assert sql_in_router(path.read_text(encoding="utf-8")) == []


def test_the_api_never_imports_the_web() -> None:
    # `itpp serve web` finds the web through its entry point (pyproject.toml, "itpp.serve").
    found = []
    for name, path in _modules("itpp_api").items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [f"{name}: {n}" for n in names if (n or "").split(".")[0] == "itpp_web"]
    assert found == []


def test_the_command_line_finds_the_web_through_its_entry_point() -> None:
    (found,) = entry_points(group="itpp.serve", name="web")
    assert found.value == "itpp_web.serve:serve"
    assert callable(found.load())


HTTP_PACKAGES = ("fastapi", "starlette")


def _http_imports(path: Path) -> list[str]:
    found = []
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        found += [n for n in names if (n or "").split(".")[0] in HTTP_PACKAGES and n]
    return found


def test_services_never_reach_the_http_framework() -> None:
    """A service (`*/service.py`), and everything it imports at any depth, works without the
    HTTP framework: the wire format it writes (JSON, ETags, If-Match, cursors) is
    `itpp_api.wire`, the HTTP helpers (`conventions`, FastAPI parameters) are the routers'."""
    modules = _modules("itpp_api")
    graph = import_graph("itpp_api")
    services = sorted(name for name in modules if name.endswith(".service"))
    assert len(services) >= 15
    reached = {}
    for service in services:
        seen: set[str] = set()
        stack = [service]
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(graph[name])
        hits = sorted(
            f"{name} ({', '.join(_http_imports(modules[name]))})"
            for name in seen
            if _http_imports(modules[name])
        )
        if hits:
            reached[service] = hits
    assert reached == {}
