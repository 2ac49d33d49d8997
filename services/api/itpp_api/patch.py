"""PATCH bodies: omitted fields stay as they are, null clears a field that may be empty."""

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema as cs

_NULL = {"type": "null"}


class PatchBody(BaseModel):
    """Base of the PATCH bodies.

    The fields named in `NOT_NULL` may be omitted but never null (a title, a status): an
    explicit null is refused (422), and the JSON Schema documents them without the null type,
    so the contract does not promise what the API refuses.
    """

    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Self:
        refuse_nulls(self, self.NOT_NULL)
        return self

    @classmethod
    def as_changed(cls, record: BaseModel, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The record as these `changes` would leave it, for the rules checked on the result
        before anything is written: the record's values of the fields this body may change
        (those the record stores), `changes` over them."""
        return stored_values(record, cls) | dict(changes)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: cs.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        properties: dict[str, Any] = handler.resolve_ref_schema(schema).get("properties", {})
        for name in cls.NOT_NULL:
            field = properties[name]
            branches = [branch for branch in field.get("anyOf", []) if branch != _NULL]
            if len(branches) == 1:
                del field["anyOf"]
                field.update(branches[0])
            if field.get("default", ...) is None:
                del field["default"]
        return schema


def refuse_nulls(model: BaseModel, names: tuple[str, ...]) -> None:
    """The rule of `PatchBody.NOT_NULL`, for any body: each of `names` may be omitted, never
    sent as null (a ValueError, which pydantic reports as 422)."""
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")


def stored_values(record: BaseModel, body: type[BaseModel]) -> dict[str, Any]:
    """The record's values of the fields `body` takes that the record stores (by name, in the
    body's order): a stored record as a request body would give it."""
    stored = type(record).model_fields
    return {name: getattr(record, name) for name in body.model_fields if name in stored}
