"""The web keeps no role rules of its own (issue 14 §3): every control it shows is one the API
listed in the record's `allowed_actions`.

Reads the sources, no services: a template whose logic (a `{% … %}` tag, or a condition inside
`{{ … }}`) names a role (viewer, editor, approver, admin), the user's role or a "can write"
shortcut fails here, and so does Python code of the web that compares anything with a role
name. Showing the signed-in user's role beside their name is fine: that is not logic.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2 import Environment

WEB = Path(__file__).resolve().parents[2] / "services" / "web" / "itpp_web"
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
ROLE_NAMES = frozenset({"viewer", "editor", "approver", "admin"})
# Names that stand for a role decision: the roles themselves, the user's role, shortcuts.
ROLE_WORDS = ROLE_NAMES | {"role", "roles", "can_write", "writer", "writers", "is_admin"}
CONDITIONS = frozenset({"if", "eq", "ne", "in", "not", "and", "or", "is"})


def _tags(source: str) -> Iterator[tuple[str, int, list[tuple[str, str]]]]:
    """Each `{% … %}` and `{{ … }}` tag: its kind, line, and (token type, value) pairs."""
    kind, line, tokens = "", 0, []
    for lineno, token_type, value in Environment().lex(source):
        if token_type in ("block_begin", "variable_begin"):
            kind, line, tokens = token_type, lineno, []
        elif token_type in ("block_end", "variable_end"):
            yield kind, line, tokens
        elif kind:
            tokens.append((token_type, value))


def role_logic(source: str) -> list[str]:
    """Where a template's logic mentions a role: 'line N: tag words'."""
    found = []
    for kind, line, tokens in _tags(source):
        words = {value.strip("'\"") for token_type, value in tokens if token_type != "operator"}
        words |= {value for token_type, value in tokens if token_type == "operator"}
        named = sorted(words & ROLE_WORDS)
        if not named:
            continue
        # An output tag is logic when it decides something (a condition, a comparison).
        if kind == "variable_begin" and not words & CONDITIONS and not words & {"==", "!="}:
            continue
        found.append(f"line {line}: {', '.join(named)}")
    return found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_decides_by_role(template: Path) -> None:
    assert role_logic(template.read_text(encoding="utf-8")) == []


def test_the_check_catches_role_logic_in_its_usual_forms() -> None:
    for logic in (
        '{% if me.role == "approver" %}x{% endif %}',
        "{% if me.can_write %}x{% endif %}",
        "{% if viewer %}x{% endif %}",
        "{% if 'admin' in roles %}x{% endif %}",
        '{{ "x" if me.role == "editor" else "" }}',
    ):
        assert role_logic(logic), logic
    for fine in (
        '{{ label(fmt, "role", me.role) }}',
        "{{ participant.role }}",
        '{% if "update" in c.allowed_actions %}x{% endif %}',
    ):
        assert not role_logic(fine), fine


# In Python `viewer` is the signed-in user, whatever their role: not a role word there.
PYTHON_ROLE_WORDS = (ROLE_WORDS - {"viewer"}) | {"writer_roles"}


def _names_a_role(part: ast.expr) -> bool:
    """A role name, the user's role, a role shortcut, or a collection of role names."""
    if isinstance(part, ast.Constant):
        return part.value in ROLE_NAMES
    if isinstance(part, ast.Attribute):
        return part.attr in PYTHON_ROLE_WORDS
    if isinstance(part, ast.Name):
        return part.id.lower() in PYTHON_ROLE_WORDS
    if isinstance(part, ast.Set | ast.List | ast.Tuple):
        return any(isinstance(e, ast.Constant) and e.value in ROLE_NAMES for e in part.elts)
    return False


def _role_comparisons(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            _names_a_role(part) for part in (node.left, *node.comparators)
        ):
            yield node.lineno


@pytest.mark.parametrize("module", sorted(WEB.rglob("*.py")), ids=lambda p: str(p.relative_to(WEB)))
def test_no_web_code_decides_by_role(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert list(_role_comparisons(tree)) == [], module
    # labels.py: the role names' translations, for display; contract/models.py: the API's
    # `Role` type, generated from the OpenAPI document (a type, no decision).
    if module.relative_to(WEB).as_posix() not in ("labels.py", "contract/models.py"):
        names = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in ROLE_NAMES
        ]
        assert names == [], module
