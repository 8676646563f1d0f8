"""knot's template variables: Go `text/template` with `${{ }}` delimiters.

As in knot's `model.ResolveVariables`.

Only what templates use is supported: field paths (`.space.name`), string literals, the
functions `toLower`, `toUpper`, `quote` (and `json`), calls (`toLower .user.username`) and
pipes (`.user.username | toLower`), plus Go's `{{-`/`-}}` whitespace trimming. Anything else is
reported as unsupported rather than guessed.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any

NO_VALUE = "<no value>"  # what Go prints for a missing map key

_ACTION = re.compile(r"\$\{\{(-?)(.*?)(-?)\}\}", re.S)

_FUNCS: dict[str, Callable[[Any], str]] = {
    "toLower": lambda v: str(v).lower(),
    "toUpper": lambda v: str(v).upper(),
    "quote": lambda v: json.dumps(str(v)),
    "json": lambda v: json.dumps(v),
}


class TemplateVarError(ValueError):
    """A variable could not be resolved (missing) or the expression is not supported."""

    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name


def _lookup(data: Mapping[str, Any], path: str, strict: bool) -> Any:
    value: Any = data
    for part in path.strip(".").split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            if strict:
                raise TemplateVarError(f"unknown variable .{path.strip('.')}", "." + path.strip("."))
            return NO_VALUE
    return value


def _term(token: str, data: Mapping[str, Any], strict: bool) -> Any:
    if token.startswith("."):
        return _lookup(data, token, strict)
    if token.startswith('"') or token.startswith("`"):
        return token[1:-1]
    if token.lstrip("-").isdigit():
        return int(token)
    raise TemplateVarError(f"unsupported term {token!r}")


def _command(words: list[str], data: Mapping[str, Any], strict: bool, piped: Any) -> Any:
    if not words:
        raise TemplateVarError("empty command")
    head, args = words[0], words[1:]
    if head in _FUNCS:
        values = [_term(a, data, strict) for a in args]
        if piped is not _NOTHING:
            values.append(piped)
        if len(values) != 1:
            raise TemplateVarError(f"{head} takes one argument")
        return _FUNCS[head](values[0])
    if args or piped is not _NOTHING:
        raise TemplateVarError(f"unsupported function {head!r}")
    return _term(head, data, strict)


_NOTHING = object()


def _evaluate(expr: str, data: Mapping[str, Any], strict: bool) -> str:
    expr = expr.strip()
    if expr.startswith("/*"):
        return ""  # a comment action
    value: Any = _NOTHING
    for stage in expr.split("|"):
        try:
            words = shlex.split(stage, posix=False)
        except ValueError as exc:
            raise TemplateVarError(f"cannot parse {stage.strip()!r}") from exc
        value = _command(words, data, strict, value)
    if value is _NOTHING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(text: str, data: Mapping[str, Any], *, strict: bool = False) -> str:
    """Resolve every `${{ ... }}` action in `text` against nested dicts in `data`.

    With `strict`, a missing variable raises `TemplateVarError` instead of printing
    Go's `<no value>`.
    """
    out: list[str] = []
    pos = 0
    for match in _ACTION.finditer(text):
        literal = text[pos : match.start()]
        if match.group(1):
            literal = literal.rstrip()
        out.append(literal)
        out.append(_evaluate(match.group(2), data, strict))
        pos = match.end()
        if match.group(3):
            rest = text[pos:]
            pos += len(rest) - len(rest.lstrip())
    out.append(text[pos:])
    return "".join(out)


def variables_used(text: str) -> set[str]:
    """The dotted variable paths (`.space.name`, ...) the text refers to."""
    found: set[str] = set()
    for match in _ACTION.finditer(text):
        found.update(re.findall(r"(?<![\w\"])(\.[A-Za-z_][\w.]*)", match.group(2)))
    return found


def space_variables(
    *,
    space_id: str,
    space_name: str,
    user_id: str,
    username: str,
    email: str = "",
    timezone: str = "UTC",
    template_id: str = "",
    template_name: str = "",
    server_url: str = "",
    agent_endpoint: str = "",
    wildcard_domain: str = "",
    zone: str = "",
    first_boot: bool = False,
    custom: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    nomad_dc: str = "dc1",
    nomad_region: str = "global",
) -> dict[str, Any]:
    """The data knot passes to templates (knot-api.md section 7.1)."""
    data: dict[str, Any] = {
        "space": {
            "id": space_id,
            "name": space_name,
            "stack": "",
            "stack_prefix": "",
            "first_boot": first_boot,
        },
        "template": {"id": template_id, "name": template_name},
        "user": {
            "id": user_id,
            "username": username,
            "email": email,
            "timezone": timezone,
        },
        "server": {
            "url": server_url.rstrip("/"),
            "agent_endpoint": agent_endpoint,
            "wildcard_domain": wildcard_domain.lstrip("*"),
            "zone": zone,
        },
        "nomad": {"dc": nomad_dc, "region": nomad_region},
        "custom": dict(custom or {}),
    }
    if variables is not None:
        data["var"] = dict(variables)
    return data
