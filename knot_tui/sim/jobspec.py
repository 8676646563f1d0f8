"""Turn a knot template's Nomad HCL into the Job JSON Nomad stores (`POST /v1/jobs/parse`).

knot resolves its `${{ }}` variables, has Nomad parse the HCL, and registers the result
(knot-api.md section 7.2). The simulator does the same with python-hcl2 and converts only
what Nomad's read endpoints show: ids, namespace, update strategy, networks, volumes, tasks,
env, resources, services and checks. Parsing costs ~20 ms, so each template is parsed once
with placeholder values and the placeholders are replaced per space.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any

import hcl2

from knot_tui.knot.template_vars import TemplateVarError, render

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


def duration_ns(text: Any, default: int = 0) -> int:
    """Go duration text ("30s", "1m30s") to nanoseconds."""
    if isinstance(text, int | float):
        return int(text)
    if not isinstance(text, str) or not text:
        return default
    total = 0.0
    pos = 0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            return default
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return int(total) if pos == len(text) else default


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value[1:-1]
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if not str(k).startswith("__")}
    return value


def _blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Unlabelled blocks (`update {}`, `env {}`) as plain dicts."""
    return [b for b in body.get(name, []) if isinstance(b, dict)]


def _labelled(body: dict[str, Any], name: str) -> list[tuple[str, dict[str, Any]]]:
    """Labelled blocks (`group "x" {}`) as (label, body) pairs."""
    out = []
    for block in body.get(name, []):
        if isinstance(block, dict):
            for label, inner in block.items():
                if isinstance(inner, dict):
                    out.append((label, inner))
    return out


def _update(block: dict[str, Any] | None) -> dict[str, Any]:
    block = block or {}
    return {
        "Stagger": 30_000_000_000,
        "MaxParallel": int(block.get("max_parallel", 1)),
        "HealthCheck": block.get("health_check", "checks"),
        "MinHealthyTime": duration_ns(block.get("min_healthy_time"), 10_000_000_000),
        "HealthyDeadline": duration_ns(block.get("healthy_deadline"), 300_000_000_000),
        "ProgressDeadline": duration_ns(block.get("progress_deadline"), 600_000_000_000),
        "AutoRevert": bool(block.get("auto_revert", False)),
        "AutoPromote": bool(block.get("auto_promote", False)),
        "Canary": int(block.get("canary", 0)),
    }


def _check(block: dict[str, Any], port: str) -> dict[str, Any]:
    # `port` is a label, or (with address_mode = "driver") a container port number.
    return {
        "Name": block.get("name", ""),
        "Type": block.get("type", ""),
        "Protocol": block.get("protocol", ""),
        "Path": block.get("path", ""),
        "PortLabel": str(block.get("port", port)),
        "AddressMode": block.get("address_mode", "host"),
        "Interval": duration_ns(block.get("interval"), 10_000_000_000),
        "Timeout": duration_ns(block.get("timeout"), 2_000_000_000),
        "TLSSkipVerify": bool(block.get("tls_skip_verify", False)),
        "OnUpdate": block.get("on_update", "require_healthy"),
    }


def _service(block: dict[str, Any]) -> dict[str, Any]:
    port = block.get("port", "")
    return {
        "Name": block.get("name", ""),
        "PortLabel": port,
        "Provider": block.get("provider", "consul"),
        "Tags": block.get("tags", []) or [],
        "Checks": [_check(c, port) for c in _blocks(block, "check")],
    }


def _task(label: str, body: dict[str, Any]) -> dict[str, Any]:
    config = (_blocks(body, "config") or [{}])[0]
    env = (_blocks(body, "env") or [{}])[0]
    resources = (_blocks(body, "resources") or [{}])[0]
    return {
        "Name": label,
        "Driver": body.get("driver", ""),
        "Config": config,
        "Env": {k: str(v) for k, v in env.items()},
        "Services": [_service(s) for s in _blocks(body, "service")],
        "Resources": {
            "CPU": int(resources.get("cpu", 100)),
            "MemoryMB": int(resources.get("memory", 300)),
        },
        "VolumeMounts": [
            {
                "Volume": m.get("volume", ""),
                "Destination": m.get("destination", ""),
                "ReadOnly": bool(m.get("read_only", False)),
            }
            for m in _blocks(body, "volume_mount")
        ],
    }


def _group(label: str, body: dict[str, Any], job_update: dict[str, Any] | None) -> dict[str, Any]:
    update = _blocks(body, "update") or ([job_update] if job_update is not None else [])
    networks = []
    for network in _blocks(body, "network"):
        ports = [
            {"Label": port_label, "To": int(port.get("to", 0)), "Value": int(port.get("static", 0))}
            for port_label, port in _labelled(network, "port")
        ]
        networks.append({"Mode": network.get("mode", "host"), "DynamicPorts": ports})
    volumes = {
        name: {
            "Name": name,
            "Type": vol.get("type", ""),
            "Source": vol.get("source", ""),
            "ReadOnly": bool(vol.get("read_only", False)),
            "AccessMode": vol.get("access_mode", ""),
            "AttachmentMode": vol.get("attachment_mode", ""),
        }
        for name, vol in _labelled(body, "volume")
    }
    return {
        "Name": label,
        "Count": int(body.get("count", 1)),
        "Update": _update(update[0]) if update else None,
        "Networks": networks,
        "Volumes": volumes or None,
        "Services": [_service(s) for s in _blocks(body, "service")],
        "Tasks": [_task(t, tb) for t, tb in _labelled(body, "task")],
    }


def hcl_to_job(text: str) -> dict[str, Any]:
    """Parse resolved job HCL into Nomad's Job JSON (the fields the read API shows)."""
    tree = _unquote(hcl2.loads(text))
    jobs = _labelled(tree, "job")
    if not jobs:
        raise ValueError("no job block")
    job_id, body = jobs[0]
    job_update = (_blocks(body, "update") or [None])[0]
    return {
        "ID": job_id,
        "Name": job_id,
        "Namespace": body.get("namespace") or "default",
        "Region": body.get("region", "global"),
        "Type": body.get("type", "service"),
        "Priority": int(body.get("priority", 50)),
        "Datacenters": body.get("datacenters", ["dc1"]),
        "Meta": body.get("meta") or None,
        "TaskGroups": [_group(g, gb, job_update) for g, gb in _labelled(body, "group")],
    }


_PLACEHOLDER = "knotsimvar{}x"


def _placeholder_data(data: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """Replace every leaf of the template data with a unique token; return both directions."""
    tokens: dict[str, str] = {}

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}") for k, v in value.items()}
        token = _PLACEHOLDER.format(len(tokens))
        tokens[token] = path
        return token

    return walk(data, prefix), tokens


@lru_cache(maxsize=64)
def _parsed_with_tokens(text: str, shape: str) -> tuple[str, dict[str, str]] | None:
    """The job parsed once per template, with tokens where variables go (None: not possible)."""
    skeleton = json.loads(shape)
    token_data, tokens = _placeholder_data(skeleton)
    try:
        rendered = render(text, token_data, strict=True)
        job = hcl_to_job(rendered)
    except (TemplateVarError, ValueError, Exception):
        return None
    return json.dumps(job), tokens


def _lookup(data: dict[str, Any], path: str) -> str:
    value: Any = data
    for part in path.strip(".").split("."):
        value = value[part]
    return "true" if value is True else "false" if value is False else str(value)


def job_for(text: str, data: dict[str, Any]) -> dict[str, Any]:
    """Render `text` with `data` and parse it, reusing the per-template parse when possible."""
    shape = json.dumps(_shape(data), sort_keys=True)
    cached = _parsed_with_tokens(text, shape)
    if cached is not None:
        job_json, tokens = cached
        for token, path in tokens.items():
            if token in job_json:
                job_json = job_json.replace(token, json.dumps(_lookup(data, path))[1:-1])
        if "knotsimvar" not in job_json.lower():
            return copy.deepcopy(json.loads(job_json))
    return hcl_to_job(render(text, data))


def _shape(data: Any) -> Any:
    """The key structure of the template data (values blanked), to key the parse cache."""
    if isinstance(data, dict):
        return {k: _shape(v) for k, v in data.items()}
    return ""
