"""Generates the web's typed client (`itpp_web/contract/`) from the API's OpenAPI document.

`models.py` is datamodel-code-generator's output: a TypedDict for every schema and for every
operation's query parameters. `operations.py` is ours (no generator writes functions over the
web's own HTTP plumbing): one async function per operation, taking its path parameters, its
query parameters and its body typed, and returning the generated TypedDict of its answer, built
on `itpp_web.api.ApiClient` (which keeps the ETag, caching, error and request-id handling).

    python services/web/generate_contract.py            # write the two modules (`make openapi`)
    python services/web/generate_contract.py --check    # exit 1 when they differ (drift)
    python services/web/generate_contract.py --openapi other.json --output DIR

The output is formatted with ruff, so it is byte for byte what the committed files hold.
"""

from __future__ import annotations

import argparse
import json
import keyword
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OPENAPI = ROOT / "services" / "api" / "openapi.json"
OUTPUT = HERE / "itpp_web" / "contract"
API_PREFIX = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
HEADER = (
    "Generated from services/api/openapi.json by\n"
    "services/web/generate_contract.py (`make openapi`); do not edit."
)
# Names the functions' own arguments take: a path parameter so named gets a `path_` prefix.
OWN_ARGUMENTS = {"api", "body", "token", "params", "data", "files", "content", "headers", "cache"}

# datamodel-code-generator's options: TypedDicts (the web keeps plain dicts, so templates are
# untouched), Python 3.11 syntax, and the query parameters of each operation as a TypedDict
# named after its operationId.
CODEGEN_OPTIONS = [
    "--input-file-type",
    "openapi",
    "--output-model-type",
    "typing.TypedDict",
    "--target-python-version",
    "3.11",
    "--use-union-operator",
    "--use-standard-collections",
    "--openapi-scopes",
    "schemas",
    "paths",
    "parameters",
    "--use-operation-id-as-name",
    "--no-use-closed-typed-dict",
    "--disable-timestamp",
    "--no-formatters",
    "--custom-file-header",
    f'"""The API\'s schemas as TypedDicts.\n\n{HEADER}\n"""',
]


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def answer_type(operation: dict[str, Any]) -> tuple[str, list[str]]:
    """The type of an operation's JSON answer (`Any`: only other media types; `None`: no body)
    and the other media types it answers (a file: CSV, a spreadsheet, a document), kept as
    bytes."""
    types: list[str] = []
    others: list[str] = []
    for status, response in operation["responses"].items():
        if not status.startswith("2"):
            continue
        for content_type, media in (response.get("content") or {}).items():
            name = ref_name(media.get("schema") or {})
            if content_type == "application/json" and name:
                if f"models.{name}" not in types:
                    types.append(f"models.{name}")
            elif content_type not in others:
                others.append(content_type)
    if types:
        return " | ".join(types), others
    return ("Any" if others else "None"), others


def declares_headers(operation: dict[str, Any]) -> bool:
    """Whether a successful answer declares headers (an ETag, a Content-Disposition)."""
    return any(
        response.get("headers")
        for status, response in operation["responses"].items()
        if status.startswith("2")
    )


def path_parameter_type(schema: dict[str, Any]) -> str:
    if schema.get("type") == "integer":
        return "int"
    if schema.get("format") == "uuid":
        return "UUID | str"
    return "str"


def _function(name: str, arguments: list[str], returns: str, doc: str, body: str) -> str:
    signature = f"async def {name}(\n    " + ",\n    ".join(arguments) + ",\n)"
    return f"{signature} -> {returns}:\n    {doc}\n{body}"


def _accept_alias(name: str, others: list[str]) -> str:
    """The media types a file function's `accept` chooses among, as a type of their own
    (`RenderPlanDocumentAccept`) that a page's table of formats can name."""
    media_types = ", ".join(json.dumps(media_type) for media_type in others)
    return f"{pascal(name.title().replace('_', ''))}Accept = Literal[{media_types}]\n\n\n"


def _accept(name: str) -> str:
    return f"accept: {pascal(name.title().replace('_', ''))}Accept | None = None"


def operation_functions(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """An operation's functions: the one named after it, and for a read whose answer declares
    headers `<name>_response` (the whole answer: its ETag, its Content-Disposition, its bytes),
    and for a read that also answers files `<name>_file`."""
    name = snake(operation["operationId"])
    if keyword.iskeyword(name):
        name += "_"
    relative = path.removeprefix(API_PREFIX)
    parameters = operation.get("parameters", [])
    path_names = {
        p["name"]: f"path_{p['name']}" if p["name"] in OWN_ARGUMENTS else p["name"]
        for p in parameters
        if p["in"] == "path"
    }
    has_query = any(p["in"] == "query" for p in parameters)
    has_headers = any(p["in"] == "header" for p in parameters)
    body = operation.get("requestBody")
    body_kind = next(iter((body or {}).get("content", {})), None)
    answer, others = answer_type(operation)
    is_file = answer == "Any"  # only other media types: the answer's bytes, its headers

    arguments = ["api: ApiClient"]
    arguments += [
        f"{path_names[p['name']]}: {path_parameter_type(p['schema'])}"
        for p in parameters
        if p["in"] == "path"
    ]
    sent = []
    if body_kind == "application/json":
        schema = body["content"][body_kind]["schema"]
        schema_name = ref_name(schema)
        body_type = f"models.{schema_name}" if schema_name else "dict[str, Any]"
        # A body the operation may go without (`required` false) is not sent when None.
        arguments.append(
            f"body: {body_type}" if body.get("required") else f"body: {body_type} | None = None"
        )
        sent.append("json=body")
    arguments.append("*")
    arguments.append("token: str | None")
    if has_query:
        query_type = f"models.{pascal(operation['operationId'])}ParametersQuery"
        arguments.append(f"params: {query_type} | None = None")
        sent.append("params=params")
    if body_kind == "application/x-www-form-urlencoded":
        arguments.append("data: dict[str, str]")
        sent.append("data=data")
    elif body_kind == "multipart/form-data":
        # The form as httpx builds it (`files`), or one already encoded (`content`, bytes or
        # an async iterator of bytes, its boundary in the Content-Type of `headers`).
        arguments.append("files: Any = None")
        arguments.append("content: Any = None")
        sent.append("files=files")
        sent.append("content=content")
    elif body_kind not in (None, "application/json"):
        arguments.append("content: Any = None")
        sent.append("content=content")
    is_read = method == "get" and not is_file
    # A write takes extra headers (If-Match, Idempotency-Key, the client's forwarding
    # headers); a read's only header, If-None-Match, is `cache="etag"`.
    if method != "get" or (has_headers and not is_read):
        arguments.append("headers: dict[str, str] | None = None")
        sent.append("headers=headers")
    accept_sent = 'headers={"Accept": accept} if accept is not None else None'

    summary = (operation.get("summary") or operation["operationId"]).rstrip(".")
    lines = textwrap.wrap(f"{method.upper()} {relative}: {summary}.", width=88)
    for original, argument in path_names.items():
        relative = relative.replace(f"{{{original}}}", f"{{{argument}}}")
    url = f'f"{relative}"' if path_names else f'"{relative}"'
    doc = '"""' + "\n    ".join(lines) + ("\n    " if len(lines) > 1 else "") + '"""'
    call_arguments = ", ".join(["token=token", *sent])
    verb = method.upper()
    if is_file:
        file_call = ", ".join(["token=token", *sent, accept_sent, "raw=True"])
        return [
            _accept_alias(name, others)
            + _function(
                name,
                [*arguments, _accept(name)],
                "ApiResponse[None]",
                doc,
                f'    return await api.request("{verb}", {url}, {file_call})\n',
            )
        ]
    if not is_read:
        return [
            _function(
                name,
                arguments,
                f"ApiResponse[{answer}]",
                doc,
                f'    answer = await api.request("{verb}", {url}, {call_arguments})\n'
                f'    return cast("ApiResponse[{answer}]", answer)\n',
            )
        ]
    functions = [
        _function(
            name,
            [*arguments, 'cache: Cache = "none"'],
            answer,
            doc,
            f"    found = await api.read({url}, {call_arguments}, cache=cache)\n"
            f'    return cast("{answer}", found)\n',
        )
    ]
    if declares_headers(operation):
        whole_doc = f'"""`{name}`, its whole answer: headers, typed body, bytes."""'
        functions.append(
            _function(
                f"{name}_response",
                arguments,
                f"ApiResponse[{answer}]",
                whole_doc,
                f'    answer = await api.request("GET", {url}, {call_arguments}, raw=True)\n'
                f'    return cast("ApiResponse[{answer}]", answer)\n',
            )
        )
    if others:
        file_doc = f'"""`{name}`, answered as a file (`accept`): its bytes and headers."""'
        file_call = ", ".join(["token=token", *sent, accept_sent, "raw=True"])
        functions.append(
            _accept_alias(f"{name}_file", others)
            + _function(
                f"{name}_file",
                [*arguments, _accept(f"{name}_file")],
                "ApiResponse[None]",
                file_doc,
                f'    return await api.request("GET", {url}, {file_call})\n',
            )
        )
    return functions


def operations_module(document: dict[str, Any]) -> str:
    functions = [
        function
        for path, operations in document["paths"].items()
        if path.startswith(API_PREFIX + "/")
        for method, operation in operations.items()
        if method in METHODS
        for function in operation_functions(path, method, operation)
    ]
    head = (
        f'"""One typed function per API operation.\n\n{HEADER}\n\n'
        "A read (a GET answering JSON) returns the answer's body; `cache` picks the read cache\n"
        "(`ApiClient.read`); `<read>_response` returns the whole answer (its ETag, its\n"
        "Content-Disposition). Any other call returns the `ApiResponse` (status, ETag, headers);\n"
        "a file (another media type, chosen with `accept`) is its `content`, as bytes.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "from typing import Any, Literal, cast\n"
        "from uuid import UUID\n\n"
        "from itpp_web.api import ApiClient, ApiResponse, Cache\n"
        "from itpp_web.contract import models\n\n\n"
    )
    return head + "\n\n".join(functions)


def ruff_format(directory: Path) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    command = [str(ruff)] if ruff.exists() else [sys.executable, "-m", "ruff"]
    for step in (["check", "--fix-only", "--quiet", "--select", "I,F401,UP"], ["format", "-q"]):
        # The project's settings (line length, import order) even for a scratch directory.
        settings = ["--config", str(ROOT / "pyproject.toml")]
        run = [*command, *step, *settings, str(directory)]
        subprocess.run(run, check=True, cwd=ROOT)  # noqa: S603 (our own tools, no shell)


def generate(openapi: Path, output: Path) -> None:
    """Write `models.py` and `operations.py` for `openapi` into `output`."""
    output.mkdir(parents=True, exist_ok=True)
    codegen = Path(sys.executable).parent / "datamodel-codegen"
    run = [str(codegen), "--input", str(openapi), "--output", str(output / "models.py")]
    subprocess.run([*run, *CODEGEN_OPTIONS], check=True, capture_output=True)  # noqa: S603
    document = json.loads(openapi.read_text(encoding="utf-8"))
    (output / "operations.py").write_text(operations_module(document), encoding="utf-8")
    ruff_format(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openapi", type=Path, default=OPENAPI)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    arguments = parser.parse_args()
    if not arguments.check:
        generate(arguments.openapi, arguments.output)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "contract"
        generate(arguments.openapi, fresh)
        stale = [
            name
            for name in ("models.py", "operations.py")
            if (fresh / name).read_bytes() != (arguments.output / name).read_bytes()
        ]
    for name in stale:
        print(f"{arguments.output / name} differs from the OpenAPI document: run `make openapi`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
