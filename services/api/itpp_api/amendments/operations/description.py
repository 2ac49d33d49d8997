"""An operation's fields as clients are told of them (GET /amendment-operations), read from
the JSON Schema of its request schema, so the description cannot drift from what is
accepted."""

from typing import Any

from pydantic import BaseModel

from itpp_api.amendments.schemas import ChoicesSource

# Where the values of an id field come from: the records a client offers to choose from.
CHOICES_SOURCES = {
    "priority_area_id": ChoicesSource.PRIORITY_AREAS,
    "priority_area_ids": ChoicesSource.PRIORITY_AREAS,
    "commitment_id": ChoicesSource.COMMITMENTS,
    "lead_party_id": ChoicesSource.PLAN_PARTIES,
    "lead_organisation_id": ChoicesSource.ORGANISATIONS,
    "supporting_organisation_ids": ChoicesSource.ORGANISATIONS,
    "predecessor_id": ChoicesSource.PLANS,
}
_BOUNDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_length",
    "maxItems": "max_length",
    "pattern": "pattern",
}


def fields_of(schema: type[BaseModel], *, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every field of `schema` but `skip`, in order, with nested objects' fields."""
    document = schema.model_json_schema(ref_template="#/$defs/{model}")
    return _fields(document, document.get("$defs", {}), skip)


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A node with its reference followed, and the name of the definition it referred to."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}, name
    return node, None


def _fields(
    node: dict[str, Any], defs: dict[str, Any], skip: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    required = set(node.get("required", []))
    return [
        _field(name, prop, defs, name in required)
        for name, prop in node.get("properties", {}).items()
        if name not in skip
    ]


def _field(name: str, prop: dict[str, Any], defs: dict[str, Any], required: bool) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": name,
        "required": required,
        "nullable": False,
        "description": prop.get("description"),
    }
    node = prop
    options = prop.get("anyOf")
    if isinstance(options, list):
        described["nullable"] = any(o.get("type") == "null" for o in options)
        node = next((o for o in options if o.get("type") != "null"), {})
    node, _ = _resolve(node, defs)
    described.update(_shape(node, defs))
    for key, target in _BOUNDS.items():
        if key in node:
            described[target] = node[key]
    source = CHOICES_SOURCES.get(name)
    if source is not None:
        described["choices_source"] = source
    return described


def _type(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The field type of a resolved node (and its choices or fields)."""
    if node.get("title") == "LocalizedText":
        return {"type": "localized_text"}
    if "enum" in node:
        return {"type": "choice", "choices": [str(v) for v in node["enum"]]}
    kind = node.get("type")
    if kind == "string":
        return {"type": {"date": "date", "uuid": "id"}.get(str(node.get("format")), "string")}
    if kind in ("integer", "boolean"):
        return {"type": kind}
    if kind == "object" and "properties" in node:
        return {"type": "object", "fields": _fields(node, defs)}
    return {"type": "mapping"}


def _shape(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if node.get("type") != "array":
        return _type(node, defs)
    items, _ = _resolve(node.get("items", {}), defs)
    item = _type(items, defs)
    return {
        "type": "list",
        "item_type": item["type"],
        **{k: v for k, v in item.items() if k != "type"},
    }
