"""Checking recorded HTTP exchanges against knot's OpenAPI spec with openapi-core.

A deviation is (operation, side, field, kind): e.g. ("GET /api/templates", "response",
"templates.*.groups", "null"). Tests compare what they find with a written allow-list in
which every entry cites knot-api.md or knot's Go code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

#: knot's spec is not ours to commit (knot's licence): `.ci/run` downloads it, pinned by commit
#: and checksum, to tests/data/; a checkout beside the project's reference folder uses that.
_SPECS = [
    Path(__file__).resolve().parent / "data" / "knot-openapi.yaml",
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "knot-openapi.yaml",
]
SPEC = next((p for p in _SPECS if p.exists()), _SPECS[0])
SPEC_HOST = "https://127.0.0.1"  # the spec's server: openapi-core insists on it


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int
    response_type: str
    response_body: bytes
    #: The test sent invalid input on purpose (to check the refusal): skip the request check.
    deliberate: bool = False


@dataclass(frozen=True, order=True)
class Deviation:
    operation: str
    side: str
    field: str
    kind: str


class Recorder:
    """httpx event hooks that keep every request/response pair a client makes."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.deliberate = False

    async def on_response(self, response: httpx.Response) -> None:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            body = b""  # a stream: never read it to the end here
        else:
            body = await response.aread()
        request = response.request
        self.exchanges.append(
            Exchange(
                method=request.method.lower(),
                path=request.url.path,
                query=dict(request.url.params),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=request.content,
                status=response.status_code,
                response_type=response.headers.get("content-type", "").split(";")[0].strip(),
                response_body=body,
                deliberate=self.deliberate,
            )
        )

    @property
    def hooks(self) -> dict[str, list[Any]]:
        return {"response": [self.on_response]}


@lru_cache(maxsize=1)
def _spec() -> Any:
    from openapi_core import OpenAPI

    return OpenAPI.from_file_path(str(SPEC))


@lru_cache(maxsize=1)
def _raw_spec() -> Any:
    import yaml

    return yaml.safe_load(SPEC.read_text())


@lru_cache(maxsize=1)
def _templates() -> list[tuple[re.Pattern[str], str, int]]:
    paths = _raw_spec()["paths"]
    out = []
    for template in paths:
        regex = (
            "^"
            + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            + "$"
        )
        out.append((re.compile(regex), template, template.count("{")))
    return out


def operation(method: str, path: str) -> str:
    """`GET /api/spaces/{space_id}` for `get /api/spaces/abc` (fewest parameters wins)."""
    matches = [(params, template) for regex, template, params in _templates() if regex.match(path)]
    if not matches:
        return f"{method.upper()} {path} (not in spec)"
    return f"{method.upper()} {min(matches)[1]}"


def _field(path: Any) -> str:
    return ".".join("*" if isinstance(p, int) else str(p) for p in path)


def _schema_deviations(op: str, side: str, exc: BaseException) -> list[Deviation]:
    seen: BaseException | None = exc
    while seen is not None:
        errors = getattr(seen, "schema_errors", None)
        if errors:
            out = []
            for error in errors:
                if error.instance is None:
                    kind = "null"
                elif error.validator == "format":
                    kind = f"format:{error.validator_value}"
                else:
                    kind = str(error.validator)
                out.append(Deviation(op, side, _field(error.absolute_path), kind))
            return out
        seen = seen.__cause__ or seen.__context__
    return [Deviation(op, side, "", type(exc).__name__)]


def check(exchange: Exchange) -> list[Deviation]:
    """Validate one exchange; every problem found becomes a `Deviation`."""
    from openapi_core.exceptions import OpenAPIError
    from openapi_core.testing import MockRequest, MockResponse

    op = operation(exchange.method, exchange.path)
    if op.endswith("(not in spec)"):
        return [Deviation(op.split(" ")[0] + " " + exchange.path.split("/")[1], "request", "", "not-in-spec")]
    headers = {
        k: v
        for k, v in exchange.headers.items()
        if k in ("authorization", "content-type", "x-knot-api-version", "__knot_webui_session")
    }
    request = MockRequest(
        SPEC_HOST,
        exchange.method,
        exchange.path,
        args=exchange.query,
        headers=headers,
        data=exchange.body or None,
        content_type=exchange.headers.get("content-type") if exchange.body else None,
    )
    found: list[Deviation] = []
    if not exchange.deliberate:
        try:
            _spec().validate_request(request)
        except OpenAPIError as exc:
            found += _schema_deviations(op, "request", exc)
    if exchange.response_type == "text/event-stream":
        # A stream is never read to its end: check that the spec expects one, not its body.
        responses = _raw_spec()["paths"][op.split(" ", 1)[1]][exchange.method]["responses"]
        if "text/event-stream" not in responses.get(str(exchange.status), {}).get("content", {}):
            found.append(Deviation(op, f"response {exchange.status}", "", "not-an-event-stream"))
        return found
    body = exchange.response_body
    item_schema = SINGLE_OBJECT.get(op)
    if item_schema and exchange.status == 200:
        found += _validate_item(op, exchange.status, body, item_schema)
    response = MockResponse(
        body, status_code=exchange.status, content_type=exchange.response_type or "application/json"
    )
    try:
        _spec().validate_response(request, response)
    except OpenAPIError as exc:
        found += [
            Deviation(d.operation, f"response {exchange.status}", d.field, d.kind)
            for d in _schema_deviations(op, "response", exc)
        ]
    return found


#: Operations whose spec says "array of X" where knot returns one X: validate the object as X.
SINGLE_OBJECT = {"GET /api/spaces/{space_id}": "SpaceDefinition"}


def _validate_item(op: str, status: int, body: bytes, schema_name: str) -> list[Deviation]:
    from openapi_schema_validator import OAS30Validator

    document = {
        "$ref": f"#/components/schemas/{schema_name}",
        "components": {"schemas": _raw_spec()["components"]["schemas"]},
    }
    validator = OAS30Validator(document, format_checker=OAS30Validator.FORMAT_CHECKER)
    out = []
    for error in validator.iter_errors(decode(body)):
        if error.instance is None:
            kind = "null"
        elif error.validator == "format":
            kind = f"format:{error.validator_value}"
        else:
            kind = str(error.validator)
        out.append(Deviation(op, f"response {status} as {schema_name}", _field(error.absolute_path), kind))
    return out


def decode(body: bytes) -> Any:
    return json.loads(body) if body else None
