"""The API's contract as types: generated from services/api/openapi.json by
services/web/generate_contract.py (`make openapi`); a test fails when they drift apart.

`models` holds a TypedDict per schema, `operations` a typed async function per operation.
"""
