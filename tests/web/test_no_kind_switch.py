"""The web reads and draws an amendment operation from the API's description of it (GET
/amendment-operations), never by which kind it is: no web module compares an operation's kind
to a kind's name (issue 22 item 3), so a new operation is its class in the API and its
fieldset template in the web, and nothing else."""

from __future__ import annotations

import ast

from itpp_api.amendments.operations import OPERATIONS
from tests.web.conftest import WEB_PACKAGE, offences_in_web_modules

# The typed client generated from the OpenAPI document names the kinds as the API's types do.
GENERATED = set((WEB_PACKAGE / "contract").glob("*.py"))
KINDS = frozenset(operation.kind() for operation in OPERATIONS)


def _kind_names(node: ast.AST, kinds: frozenset[str]) -> list[str]:
    """The kinds' names `node` is (a string) or holds (a tuple, list or set of strings)."""
    if isinstance(node, ast.Constant) and node.value in kinds:
        return [str(node.value)]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [name for element in node.elts for name in _kind_names(element, kinds)]
    return []


def kind_tests(source: str, kinds: frozenset[str] = KINDS) -> list[str]:
    """The comparisons (`==`, `!=`, `in`, `match` cases) of something to a kind's name in
    `source` (line: what is compared)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_kind_names(operand, kinds) for operand in operands):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.match_case):
            for pattern in ast.walk(node.pattern):
                if isinstance(pattern, ast.MatchValue) and _kind_names(pattern.value, kinds):
                    found.append(f"{pattern.lineno}: case {ast.unparse(pattern)}")
    return found


def test_the_check_finds_a_kind_compared_to_its_name() -> None:
    source = """
def draw(change, operation, kinds):
    op = change["op"]
    if op == "terminate":
        pass
    if "renew" != operation["kind"]:
        pass
    if change.get("op") in ("modify_commitment", "retire_commitment"):
        pass
    match op:
        case "change_text":
            pass
    prefix = "change_text"  # a name of inputs, not a test
    if operation["effect"] == "add" and op in kinds:
        pass
"""
    found = kind_tests(source)
    assert [line.split(":")[0] for line in found] == ["4", "6", "8", "11"], found


def test_no_web_module_switches_on_an_operation_kind() -> None:
    assert {"add_commitment", "change_text", "terminate", "renew"} <= KINDS
    offending = offences_in_web_modules(kind_tests, GENERATED)
    assert offending == {}, (
        "draw or read an amendment operation from the API's description of it (its effect, "
        f"its fields' types and choices_source), not by its kind: {offending}"
    )
