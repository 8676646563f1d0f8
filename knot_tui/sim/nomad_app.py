"""Nomad's HTTP API on aiohttp, over the simulated cluster (nomad-api.md).

Read endpoints with Nomad's ACL behaviour (plain-text `Permission denied`, `Unknown
allocation` as a 500 for an alloc the token may not read, `No path to node` for a node that
is gone), blocking queries (`index`, `wait`, `X-Nomad-Index`) that really block until the
watched index moves, task logs as concatenated JSON frames with base64 data and 1 s
heartbeats, and the NDJSON event stream with topic filters and 30 s heartbeats.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import random
from collections.abc import Callable
from typing import Any

from aiohttp import web

from knot_tui.sim.jobspec import duration_ns
from knot_tui.sim.nomad import NomadCluster
from knot_tui.sim.nomad_objects import AclToken, Alloc
from knot_tui.sim.world import World

WORLD: web.AppKey[World] = web.AppKey("world", World)
OPTIONS: web.AppKey[dict[str, Any]] = web.AppKey("options", dict)
TOKEN: web.RequestKey[AclToken] = web.RequestKey("token", AclToken)

MAX_WAIT = 300.0
DEFAULT_WAIT = 300.0
LOG_HEARTBEAT = 1.0
LOG_BATCH = 0.2
FRAME_MAX = 64 * 1024
EVENT_HEARTBEAT = 30.0

ANONYMOUS = AclToken(
    secret="",
    accessor="anonymous",
    name="Anonymous Token",
    kind="client",
    policies=["anonymous"],
    namespaces={},
)


def _cluster(request: web.Request) -> NomadCluster:
    return request.app[WORLD].nomad


def _json(body: Any, index: int | None = None) -> web.Response:
    headers = {"X-Nomad-KnownLeader": "true", "X-Nomad-LastContact": "0"}
    if index is not None:
        headers["X-Nomad-Index"] = str(index)
    return web.Response(text=json.dumps(body), content_type="application/json", headers=headers)


def _text(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain")


def permission_denied() -> web.Response:
    return _text(403, "Permission denied")


@web.middleware
async def acl(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    """Resolve the token (X-Nomad-Token or Bearer); an unknown secret is refused outright."""
    secret = request.headers.get("X-Nomad-Token", "")
    auth = request.headers.get("Authorization", "")
    if not secret and auth.startswith("Bearer "):
        secret = auth[7:].strip()
    if request.path == "/v1/status/leader":
        return await handler(request)
    if secret:
        token = _cluster(request).tokens.get(secret)
        if token is None:
            return _text(403, "ACL token not found")
    else:
        token = ANONYMOUS
    request[TOKEN] = token
    return await handler(request)


def _namespace(request: web.Request) -> str:
    return request.query.get("namespace") or "default"


# ---- blocking queries --------------------------------------------------------------------


def _parse_wait(text: str) -> float | None:
    if not text:
        return DEFAULT_WAIT
    if text.isdigit():  # a bare number is milliseconds? Nomad requires a unit
        return None
    ns = duration_ns(text, -1)
    return None if ns < 0 else min(MAX_WAIT, ns / 1e9)


async def block(request: web.Request, current: Callable[[], int]) -> web.Response | None:
    """Hold the request until `current()` passes `?index=` or `?wait=` (+ jitter) elapses."""
    raw = request.query.get("index", "")
    if not raw:
        return None
    try:
        index = int(raw)
    except ValueError:
        return _text(400, "Invalid index")
    wait = _parse_wait(request.query.get("wait", ""))
    if wait is None:
        return _text(400, "Invalid wait time")
    if index <= 0:
        return None  # index=0 never blocks (nomad#6403)
    wait += random.uniform(0, wait / 16)
    world = request.app[WORLD]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while current() <= index:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await world.wait_for_change(world.index, remaining)
    return None


# ---- jobs --------------------------------------------------------------------------------


async def list_jobs(request: web.Request) -> web.StreamResponse:
    cluster = _cluster(request)
    token = request[TOKEN]
    namespace = _namespace(request)
    if namespace == "*":
        allowed = (
            set(cluster.namespaces)
            if token.kind == "management"
            else set(token.readable_namespaces("list-jobs"))
        )
    elif token.can(namespace, "list-jobs"):
        allowed = {namespace}
    else:
        return permission_denied()
    refused = await block(request, lambda: cluster.index_of("jobs"))
    if refused is not None:
        return refused
    prefix = request.query.get("prefix", "")
    meta = request.query.get("meta") == "true"
    jobs = sorted(
        (j for j in cluster.jobs.values() if j.namespace in allowed and j.id.startswith(prefix)),
        key=lambda j: (j.namespace, j.id),
    )
    return _json([j.stub(cluster.job_summary(j), meta) for j in jobs], cluster.index_of("jobs"))


async def _job_read(
    request: web.Request, index: Callable[[NomadCluster, str], int] | None = None
) -> tuple[NomadCluster, str] | web.Response:
    """What every job endpoint does first: `read-job` in the request's namespace, then (with
    `index`) the blocking query. A refusal comes back as the response to send."""
    cluster = _cluster(request)
    namespace = _namespace(request)
    if not request[TOKEN].can(namespace, "read-job"):
        return permission_denied()
    if index is not None:
        refused = await block(request, lambda: index(cluster, namespace))
        if refused is not None:
            return refused
    return cluster, namespace


async def read_job(request: web.Request) -> web.StreamResponse:
    job_id = request.match_info["job_id"]

    def current(cluster: NomadCluster, namespace: str) -> int:
        job = cluster.jobs.get((namespace, job_id))
        return job.modify_index if job else cluster.index_of("jobs")

    ready = await _job_read(request, current)
    if isinstance(ready, web.Response):
        return ready
    cluster, namespace = ready
    job = cluster.jobs.get((namespace, job_id))
    if job is None:
        return _text(404, "job not found")
    return _json(job.full(), job.modify_index)


async def job_allocations(request: web.Request) -> web.StreamResponse:
    ready = await _job_read(request, lambda cluster, _ns: cluster.index_of("allocs"))
    if isinstance(ready, web.Response):
        return ready
    cluster, namespace = ready
    allocs = cluster.job_allocs(namespace, request.match_info["job_id"])
    return _json([a.stub() for a in allocs], cluster.index_of("allocs"))


async def job_deployments(request: web.Request) -> web.StreamResponse:
    ready = await _job_read(request, lambda cluster, _ns: cluster.index_of("deployment"))
    if isinstance(ready, web.Response):
        return ready
    cluster, namespace = ready
    job_id = request.match_info["job_id"]
    found = sorted(
        (d for d in cluster.deployments.values() if d.namespace == namespace and d.job_id == job_id),
        key=lambda d: -d.create_index,
    )
    return _json([d.to_json() for d in found], cluster.index_of("deployment"))


async def job_deployment(request: web.Request) -> web.StreamResponse:
    ready = await _job_read(request, lambda cluster, _ns: cluster.index_of("deployment"))
    if isinstance(ready, web.Response):
        return ready
    cluster, namespace = ready
    latest = cluster.latest_deployment(namespace, request.match_info["job_id"])
    return _json(latest.to_json() if latest else None, cluster.index_of("deployment"))


async def job_summary(request: web.Request) -> web.StreamResponse:
    ready = await _job_read(request)
    if isinstance(ready, web.Response):
        return ready
    cluster, namespace = ready
    job = cluster.jobs.get((namespace, request.match_info["job_id"]))
    if job is None:
        return _text(404, "job not found")
    return _json(cluster.job_summary(job), job.modify_index)


# ---- allocations -------------------------------------------------------------------------


def _alloc(request: web.Request, capability: str = "read-job") -> Alloc | web.Response:
    cluster = _cluster(request)
    alloc_id = request.match_info["alloc_id"]
    alloc = cluster.allocs.get(alloc_id)
    if alloc is None:
        return _text(404, "alloc not found")
    if not request[TOKEN].can(alloc.namespace, capability):
        # The RPC answers as if the alloc did not exist; wrap() maps it to a 500.
        return _text(500, f'Unknown allocation "{alloc_id}"')
    return alloc


async def read_alloc(request: web.Request) -> web.StreamResponse:
    cluster = _cluster(request)
    alloc = _alloc(request)
    if isinstance(alloc, web.Response):
        return alloc
    refused = await block(request, lambda: alloc.modify_index)
    if refused is not None:
        return refused
    return _json(cluster.alloc_json(alloc), alloc.modify_index)


async def alloc_checks(request: web.Request) -> web.StreamResponse:
    """Nomad-native check results: answered by the client node (not blocking)."""
    cluster = _cluster(request)
    alloc = _alloc(request)
    if isinstance(alloc, web.Response):
        return alloc
    cluster.check_reads[alloc.id] += 1
    if not alloc.node.reachable:
        return _text(404, "No path to node")
    checks = cluster.nomad_checks.get(alloc.id)
    if not checks:
        return _json(None)  # a typed nil map: `null`
    return _json({cid: c.to_json() for cid, c in checks.items()})


# ---- task logs ---------------------------------------------------------------------------


def _bool(text: str) -> bool | None:
    if text in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if text in ("", "0", "f", "F", "false", "FALSE", "False"):
        return False
    return None


async def task_logs(request: web.Request) -> web.StreamResponse:
    """`/v1/client/fs/logs/<alloc>`: frames `{"File","Offset","Data"}` and `{}` heartbeats."""
    cluster = _cluster(request)
    options = request.app[OPTIONS]
    alloc_id = request.match_info["alloc_id"]
    alloc = cluster.allocs.get(alloc_id)
    if alloc is None:
        return _text(404, f'Unknown allocation "{alloc_id}"')
    token = request[TOKEN]
    if not (token.can(alloc.namespace, "read-logs") or token.can(alloc.namespace, "read-fs")):
        return _text(500, "Permission denied")
    task = request.query.get("task", "")
    kind = request.query.get("type", "")
    origin = request.query.get("origin", "start") or "start"
    follow = _bool(request.query.get("follow", ""))
    plain = _bool(request.query.get("plain", ""))
    if not task:
        return _text(400, "must provide task name")
    if kind not in ("stdout", "stderr"):
        return _text(400, "must provide log type (stdout/stderr)")
    if origin not in ("start", "end"):
        return _text(400, "origin must be start or end")
    if follow is None or plain is None:
        return _text(400, "invalid boolean")
    try:
        offset = int(request.query.get("offset", "0") or 0)
    except ValueError:
        return _text(400, "invalid offset")
    if task not in alloc.tasks:
        return _text(400, f'unknown task name "{task}"')
    if not alloc.node.reachable:
        return _text(404, "No path to node")
    state = alloc.task_states[task]
    if not any(e.type == "Started" for e in state.events) and state.state == "pending":
        return _text(404, f'task "{task}" not started yet. No logs available')
    log = alloc.logs[(task, kind)]
    cluster.fill_logs(alloc)
    position = max(0, len(log.data) - offset) if origin == "end" else min(offset, len(log.data))
    response = web.StreamResponse(headers={"Content-Type": "text/plain" if plain else "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    file_name = f"alloc/logs/{task}.{kind}.0"
    # Chaos: each connection may get a byte budget after which it is cut, mid-frame or not.
    drops = options.setdefault("log_drops", [])
    budget = drops.pop(0) if drops else None
    split = int(options.get("split_frames", 0))
    last_write = asyncio.get_running_loop().time()

    async def write(payload: bytes) -> bool:
        """Send `payload`; False when the chaos budget ran out (the connection is cut)."""
        nonlocal last_write, budget
        if budget is not None:
            if len(payload) >= budget:
                payload = payload[:budget]
                budget = 0
            else:
                budget -= len(payload)
        step = split or len(payload) or 1
        for i in range(0, len(payload), step):
            await response.write(payload[i : i + step])
        last_write = asyncio.get_running_loop().time()
        return budget != 0

    try:
        while True:
            cluster.fill_logs(alloc)
            if position < len(log.data):
                chunk = bytes(log.data[position : position + FRAME_MAX])
                position += len(chunk)
                if plain:
                    payload = chunk
                else:
                    frame = {
                        "File": file_name,
                        "Offset": position,
                        "Data": base64.b64encode(chunk).decode(),
                    }
                    payload = json.dumps(frame).encode()
                if not await write(payload):
                    break
                continue
            if not follow:
                break
            now = asyncio.get_running_loop().time()
            if not plain and now - last_write >= LOG_HEARTBEAT and not await write(b"{}"):
                break
            if options.get("drop_log_streams"):
                options["drop_log_streams"] -= 1
                break
            if cluster.closed:
                break
            await asyncio.sleep(LOG_BATCH)
    except (ConnectionError, asyncio.CancelledError):
        return response
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


# ---- event stream ------------------------------------------------------------------------

_TOPIC_CAPABILITY = {
    "Job": "read-job",
    "Allocation": "read-job",
    "Deployment": "read-job",
    "Evaluation": "read-job",
    "Service": "read-job",
    "CSIPlugin": "read-job",
    "CSIVolume": "csi-read-volume",
}


def _topics(request: web.Request) -> dict[str, set[str]] | None:
    topics: dict[str, set[str]] = {}
    for item in request.query.getall("topic", []):
        topic, _, key = item.partition(":")
        if not topic:
            return None
        topics.setdefault(topic, set()).add(key or "*")
    return topics


def _matches(event: dict[str, Any], topics: dict[str, set[str]]) -> bool:
    keys = topics.get(event["Topic"]) or topics.get("*")
    if keys is None:
        return False
    if "*" in keys:
        return True
    return event["Key"] in keys or bool(keys & set(event.get("FilterKeys") or []))


async def event_stream(request: web.Request) -> web.StreamResponse:
    cluster = _cluster(request)
    token = request[TOKEN]
    options = request.app[OPTIONS]
    namespace = _namespace(request)
    try:
        start = int(request.query.get("index", "0") or 0)
    except ValueError:
        return _text(400, "Unable to parse index")
    topics = _topics(request)
    if topics is None:
        return _text(400, "Invalid topic query")
    if not topics:
        topics = {"*": {"*"}}
    allowed = token.kind == "management" or (
        namespace != "*"
        and "*" not in topics
        and all(t in _TOPIC_CAPABILITY and token.can(namespace, _TOPIC_CAPABILITY[t]) for t in topics)
    )
    if not allowed and options.get("event_acl") == "403":
        return permission_denied()
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    if not allowed:
        # Nomad 2.x hijacks the connection and writes 200 before the ACL check.
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response

    def visible(batch: dict[str, Any]) -> dict[str, Any] | None:
        events = [
            e
            for e in batch["Events"]
            if (namespace == "*" or e["Namespace"] == namespace) and _matches(e, topics)
        ]
        return {"Index": batch["Index"], "Events": events} if events else None

    try:
        await response.write(b"{}\n")
        buffered = list(cluster.events)
        if buffered:
            if start > buffered[-1]["Index"]:
                pending = [buffered[-1]]  # past the newest: the newest is re-sent
            else:
                pending = [b for b in buffered if b["Index"] >= start]
        else:
            pending = []
        last = 0
        for batch in pending:
            shown = visible(batch)
            last = batch["Index"]
            if shown:
                await response.write(json.dumps(shown).encode() + b"\n")
        while True:
            signal = cluster.event_signal
            try:
                await asyncio.wait_for(signal.wait(), EVENT_HEARTBEAT)
            except TimeoutError:
                await response.write(b"{}\n")
                continue
            if options.get("drop_event_streams"):
                options["drop_event_streams"] -= 1
                break
            if cluster.closed:
                break
            for batch in list(cluster.events):
                if batch["Index"] > last:
                    last = batch["Index"]
                    shown = visible(batch)
                    if shown:
                        await response.write(json.dumps(shown).encode() + b"\n")
    except (ConnectionError, asyncio.CancelledError):
        return response
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


# ---- volumes, namespaces, tokens, agent ----------------------------------------------------


async def list_volumes(request: web.Request) -> web.StreamResponse:
    cluster = _cluster(request)
    if request.query.get("type") != "csi":
        return _json([], cluster.index_of("csi_volumes"))
    namespace = _namespace(request)
    if not request[TOKEN].can(namespace, "csi-list-volume"):
        return permission_denied()
    refused = await block(request, lambda: cluster.index_of("csi_volumes"))
    if refused is not None:
        return refused
    prefix = request.query.get("prefix", "")
    found = [
        v
        for v in cluster.volumes.values()
        if (namespace == "*" or v.namespace == namespace) and v.id.startswith(prefix)
    ]
    return _json([_volume_stub(cluster, v) for v in found], cluster.index_of("csi_volumes"))


def _volume_stub(cluster: NomadCluster, volume: Any) -> dict[str, Any]:
    writers = sum(1 for mode in volume.claims.values() if mode == "write")
    readers = sum(1 for mode in volume.claims.values() if mode == "read")
    return {
        "ID": volume.id,
        "Namespace": volume.namespace,
        "Name": volume.name,
        "ExternalID": f"{volume.plugin_id}-{volume.id[:8]}",
        "Topologies": None,
        "AccessMode": volume.access_mode if volume.claims else "",
        "AttachmentMode": volume.attachment_mode if volume.claims else "",
        "CurrentReaders": readers,
        "CurrentWriters": writers,
        "Schedulable": True,
        "PluginID": volume.plugin_id,
        "Provider": "hostpath.csi.k8s.io",
        "ControllerRequired": False,
        "ControllersHealthy": 0,
        "ControllersExpected": 0,
        "NodesHealthy": sum(1 for n in cluster.nodes if n.reachable),
        "NodesExpected": len(cluster.nodes),
        "ResourceExhausted": None,
        "CreateIndex": volume.create_index,
        "ModifyIndex": volume.modify_index,
    }


async def read_volume(request: web.Request) -> web.StreamResponse:
    cluster = _cluster(request)
    namespace = _namespace(request)
    volume_id = request.match_info["volume_id"]
    if not request[TOKEN].can(namespace, "csi-read-volume"):
        return permission_denied()

    def current() -> int:
        volume = cluster.volumes.get((namespace, volume_id))
        return volume.modify_index if volume else cluster.index_of("csi_volumes")

    refused = await block(request, current)
    if refused is not None:
        return refused
    volume = cluster.volumes.get((namespace, volume_id))
    if volume is None:
        return _text(404, "volume not found")
    body = _volume_stub(cluster, volume)
    claimed = [cluster.allocs[a] for a in volume.claims if a in cluster.allocs]
    body.update(
        {
            "Capacity": volume.capacity,
            "RequestedCapacityMin": volume.capacity,
            "RequestedCapacityMax": volume.capacity,
            "RequestedCapabilities": [
                {"AccessMode": volume.access_mode, "AttachmentMode": volume.attachment_mode}
            ],
            "MountOptions": {
                "FsType": (volume.mount_options or {}).get("fs_type", ""),
                "MountFlags": (volume.mount_options or {}).get("mount_flags", []),
            },
            "Secrets": {},
            "Parameters": None,
            "Context": None,
            "ReadAllocs": {a: None for a, mode in volume.claims.items() if mode == "read"},
            "WriteAllocs": {a: None for a, mode in volume.claims.items() if mode == "write"},
            "Allocations": [a.stub() for a in claimed],
            "ProviderVersion": "1.11.0",
        }
    )
    return _json(body, volume.modify_index)


async def list_namespaces(request: web.Request) -> web.StreamResponse:
    cluster = _cluster(request)
    token = request[TOKEN]
    refused = await block(request, lambda: cluster.index_of("namespaces"))
    if refused is not None:
        return refused
    names = sorted(n for n in cluster.namespaces if token.kind == "management" or n in token.namespaces)
    return _json([cluster.namespaces[n] for n in names], cluster.index_of("namespaces"))


async def token_self(request: web.Request) -> web.StreamResponse:
    token = request[TOKEN]
    if token is ANONYMOUS:
        return _text(403, "ACL token not found")
    return _json(token.to_json(), token.create_index)


async def leader(request: web.Request) -> web.StreamResponse:
    return _json("127.0.0.1:4647")


async def agent_self(request: web.Request) -> web.StreamResponse:
    if request[TOKEN].kind != "management":
        return permission_denied()
    version = request.app[OPTIONS].get("version", "2.0.5")
    return _json(
        {
            "config": {
                "Region": "global",
                "Datacenter": "dc1",
                "ACL": {"Enabled": True},
                "Version": {
                    "Version": version,
                    "VersionPrerelease": "",
                    "VersionMetadata": "",
                    "Revision": "sim",
                    "BuildDate": "2026-08-12T00:00:00Z",
                },
            },
            "member": {"Name": "nomad-server-1.global", "Addr": "127.0.0.1", "Status": "alive"},
            "stats": {},
        }
    )


async def list_nodes(request: web.Request) -> web.StreamResponse:
    cluster = _cluster(request)
    if request[TOKEN].kind != "management":
        return permission_denied()
    return _json(
        [
            {
                "ID": n.id,
                "Name": n.name,
                "Address": n.address,
                "Datacenter": n.datacenter,
                "Status": n.status,
                "SchedulingEligibility": "eligible",
                "Drain": False,
            }
            for n in cluster.nodes
        ],
        cluster.index_of("nodes"),
    )


def build_app(
    world: World, *, options: dict[str, Any] | None = None, middlewares: list[Any] | None = None
) -> web.Application:
    app = web.Application(middlewares=[*(middlewares or []), acl])
    app[WORLD] = world
    app[OPTIONS] = options if options is not None else {}
    r = app.router
    r.add_get("/v1/status/leader", leader)
    r.add_get("/v1/agent/self", agent_self)
    r.add_get("/v1/acl/token/self", token_self)
    r.add_get("/v1/namespaces", list_namespaces)
    r.add_get("/v1/nodes", list_nodes)
    r.add_get("/v1/jobs", list_jobs)
    r.add_get("/v1/job/{job_id}", read_job)
    r.add_get("/v1/job/{job_id}/allocations", job_allocations)
    r.add_get("/v1/job/{job_id}/deployments", job_deployments)
    r.add_get("/v1/job/{job_id}/deployment", job_deployment)
    r.add_get("/v1/job/{job_id}/summary", job_summary)
    r.add_get("/v1/allocation/{alloc_id}", read_alloc)
    r.add_get("/v1/allocation/{alloc_id}/checks", alloc_checks)
    r.add_get("/v1/client/allocation/{alloc_id}/checks", alloc_checks)
    r.add_get("/v1/client/fs/logs/{alloc_id}", task_logs)
    r.add_get("/v1/event/stream", event_stream)
    r.add_get("/v1/volumes", list_volumes)
    r.add_get("/v1/volume/csi/{volume_id}", read_volume)
    return app
