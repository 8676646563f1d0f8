"""Tolerant construction of wire-model dataclasses from decoded JSON.

Servers omit keys (Go `omitempty`), send `null` for empty slices and maps, add keys in newer
versions and, when something is wrong, send values of the wrong type. `from_wire` never
raises for any of these: a missing, null or ill-typed value becomes the field's default,
unknown keys are ignored. Converters are compiled once per class, so parsing 10,000 spaces
costs one dict lookup and one small function call per field.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = object()
Converter = Callable[[Any], Any]

#: Field names whose wire key is not the plain CamelCase of the name (Nomad style).
_PASCAL_SPECIAL = {"id": "ID", "cpu": "CPU", "ip": "IP", "url": "URL", "tls": "TLS"}


def pascal_case(name: str) -> str:
    """`client_status` -> `ClientStatus`, `eval_id` -> `EvalID` (Nomad's Go field names)."""
    return "".join(_PASCAL_SPECIAL.get(p, p[:1].upper() + p[1:]) for p in name.split("_"))


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 text (Go's `time.Time`, nanoseconds allowed) to an aware UTC datetime.

    Go's zero time (`0001-01-01T00:00:00Z`) and anything unparsable become None.
    """
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python accepts at most 6 fractional digits; Go writes up to 9.
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        text = text[: dot + 1] + text[dot + 1 : end][:6] + text[end:]
        if end == dot + 1:
            text = text[:dot] + text[dot + 1 :]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _to_str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _MISSING
    if isinstance(value, int | float):
        return str(value)
    return _MISSING


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no", ""):
            return False
    return _MISSING


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return _MISSING
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else _MISSING
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return _MISSING
    return _MISSING


def _to_float(value: Any) -> Any:
    if isinstance(value, bool):
        return _MISSING
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return _MISSING
    return _MISSING


def _to_time(value: Any) -> Any:
    parsed = parse_time(value)
    return _MISSING if parsed is None else parsed


def _identity(value: Any) -> Any:
    return value


def _converter_for(tp: Any) -> Converter:
    """Return a function mapping a wire value to `tp`, or `_MISSING` when it cannot."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _converter_for(args[0]) if len(args) == 1 else _identity
    if tp is str:
        return _to_str
    if tp is bool:
        return _to_bool
    if tp is int:
        return _to_int
    if tp is float:
        return _to_float
    if tp is datetime:
        return _to_time
    if tp is Any or tp is object:
        return _identity
    if origin is list:
        (item_tp,) = typing.get_args(tp) or (Any,)
        item = _converter_for(item_tp)

        def to_list(value: Any) -> Any:
            if not isinstance(value, list):
                return _MISSING
            out = []
            for v in value:
                c = item(v)
                if c is not _MISSING:
                    out.append(c)
            return out

        return to_list
    if origin is dict:
        _key_tp, val_tp = typing.get_args(tp) or (str, Any)
        val = _converter_for(val_tp)

        def to_dict(value: Any) -> Any:
            if not isinstance(value, dict):
                return _MISSING
            out = {}
            for k, v in value.items():
                c = val(v)
                if c is not _MISSING:
                    out[str(k)] = c
            return out

        return to_dict
    if dataclasses.is_dataclass(tp):
        cls = tp

        def to_model(value: Any) -> Any:
            if isinstance(value, dict):
                return from_wire(cls, value)
            from_scalar = getattr(cls, "from_scalar", None)
            if from_scalar is not None and isinstance(value, str | int | float):
                return from_scalar(value)
            return _MISSING

        return to_model
    return _identity


_PLAN_CACHE: dict[type, list[tuple[str, str, Converter, Any, Any]]] = {}


def _plan(cls: type) -> list[tuple[str, str, Converter, Any, Any]]:
    plan = _PLAN_CACHE.get(cls)
    if plan is not None:
        return plan
    hints = typing.get_type_hints(cls)
    case = getattr(cls, "__wire_case__", "snake")
    overrides: dict[str, str] = getattr(cls, "__wire_keys__", {})
    plan = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        key = overrides.get(f.name) or (pascal_case(f.name) if case == "pascal" else f.name)
        default = f.default
        factory = f.default_factory
        plan.append((f.name, key, _converter_for(hints[f.name]), default, factory))
    _PLAN_CACHE[cls] = plan
    return plan


def from_wire(cls: type[T], data: Any) -> T:
    """Build `cls` from a decoded JSON object, tolerating missing, null, extra and odd values."""
    if not isinstance(data, dict):
        data = {}
    kwargs: dict[str, Any] = {}
    for name, key, conv, default, factory in _plan(cls):
        raw = data.get(key, _MISSING)
        value = _MISSING if raw is None or raw is _MISSING else conv(raw)
        if value is _MISSING:
            if default is not dataclasses.MISSING:
                value = default
            elif factory is not dataclasses.MISSING:
                value = factory()
            else:  # a required field: fall back to the type's empty value
                value = None
        kwargs[name] = value
    return cls(**kwargs)


def list_from_wire(cls: type[T], data: Any) -> list[T]:
    """A list of `cls` from a JSON array; anything but an array gives an empty list."""
    if not isinstance(data, list):
        return []
    return [from_wire(cls, item) for item in data if isinstance(item, dict)]
