"""Every call the web makes to the API goes through the typed client (`itpp_web.contract`):
no page module sends a path of its own through `ApiClient`, so a contract change fails the web's
type check instead of a page at run time (issue 22 item 5)."""

from __future__ import annotations

import ast

from tests.web.conftest import WEB_PACKAGE, offences_in_web_modules

# The client itself and the typed functions generated over it.
ALLOWED = {WEB_PACKAGE / "api.py", *(WEB_PACKAGE / "contract").glob("*.py")}
# ApiClient's ways of sending a request with a path.
SENDING = {"request", "read", "_cached_get", "_revalidated_get"}


def _names_of_the_client(tree: ast.AST) -> set[str]:
    """Names a module binds to the API client: `api = api_of(request)`, `client =
    request.app.state.api`, an argument or a variable annotated `ApiClient`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_client(node.value, set()):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.arg)):
            annotation = node.annotation
            if annotation is not None and "ApiClient" in ast.unparse(annotation):
                target = node.target if isinstance(node, ast.AnnAssign) else node
                if isinstance(target, ast.Name):
                    names.add(target.id)
                elif isinstance(target, ast.arg):
                    names.add(target.arg)
    return names


def _is_client(node: ast.AST, names: set[str]) -> bool:
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "api_of"
    if isinstance(node, ast.Name):
        return node.id in names
    # request.app.state.api
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "api"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "state"
    )


def offending_calls(source: str) -> list[str]:
    """The calls in `source` that send through the API client directly (line: call)."""
    tree = ast.parse(source)
    names = _names_of_the_client(tree)
    return [
        f"{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SENDING
        and _is_client(node.func.value, names)
    ]


def test_the_check_finds_a_path_sent_through_the_client() -> None:
    source = """
async def page(request, plan_id):
    api = api_of(request)
    await api.read(f"/plans/{plan_id}", token=None)
    await api_of(request).request("POST", "/plans", json={})
    return await operations.get_plan(api, plan_id, token=None)

async def other(client: ApiClient, path: str) -> None:
    await client.read(path, token=None)
    {"a": 1}.get("a")
"""
    found = offending_calls(source)
    assert [line.split(":")[0] for line in found] == ["4", "5", "9"], found


def test_no_web_module_sends_a_path_of_its_own_to_the_api() -> None:
    offending = offences_in_web_modules(offending_calls, ALLOWED)
    assert offending == {}, (
        "call the API through itpp_web.contract.operations (its typed functions), "
        f"not ApiClient with a path: {offending}"
    )
