"""Parsers fed Nomad's own samples (nomad-api.md), and odd input."""

from __future__ import annotations

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from knot_tui.nomad.events import parse_batch
from knot_tui.nomad.logs import FrameDecoder, LogData, LogFileEvent, decode_frame
from knot_tui.nomad.models import (
    Allocation,
    ConsulCheck,
    CSIVolume,
    Deployment,
    Job,
    parse,
    parse_checks,
    parse_list,
)

from . import samples


def test_job_list_stub() -> None:
    (job,) = parse_list(Job, json.loads(samples.JOBS_LIST))
    assert (job.id, job.namespace, job.status, job.type) == (
        "example",
        "default",
        "pending",
        "service",
    )
    assert job.submitted is not None and job.submitted.year == 2022


def test_job_allocations_stub() -> None:
    (alloc,) = parse_list(Allocation, json.loads(samples.JOB_ALLOCATIONS))
    assert alloc.short_id == "5457f16d" and alloc.node_name == "linux"
    assert alloc.client_status == "running" and alloc.healthy is True
    assert alloc.deployment_status and alloc.deployment_status.timestamp.hour == 9  # +01:00 -> UTC
    redis = alloc.task_states["redis"]
    assert redis.state == "running" and redis.finished_at is None
    (event,) = redis.events
    assert event.type == "Received" and event.text == "Task received by client"
    assert event.when is not None and event.when.year == 2021
    assert alloc.created is not None


def test_allocated_resources_ports() -> None:
    alloc = parse(Allocation, json.loads("{" + samples.ALLOCATED_RESOURCES_FRAGMENT + "}"))
    (port,) = alloc.ports
    assert (port.label, port.value, port.to, port.host_ip) == ("knot_port", 25432, 3000, "10.0.0.5")


def test_single_alloc_read_with_omitted_keys() -> None:
    # Nomad omits zero values on single-alloc reads (omitempty): nothing may break.
    alloc = parse(Allocation, {"ID": "abc", "ClientStatus": "pending"})
    assert alloc.deployment_status is None and alloc.healthy is None and alloc.task_states == {}
    assert alloc.ports == [] and alloc.restarts == 0


def test_checks_map_and_null() -> None:
    checks = parse_checks(json.loads(samples.ALLOC_CHECKS))
    check = checks["a1ed96606694742bf201a640a607e306"]
    assert (check.check, check.service, check.status, check.output) == (
        "redis_probe",
        "redis",
        "success",
        "nomad: http ok",
    )
    assert check.task == "redis" and check.status_code == 200
    assert check.when is not None and check.when.year == 2023  # Unix *seconds*
    assert parse_checks(None) == {} and parse_checks([1, 2]) == {}


def test_deployment() -> None:
    deployment = parse(Deployment, json.loads(samples.DEPLOYMENT))
    assert deployment.status == "running" and deployment.job_id == "my-job"
    assert deployment.counts == (3, 2, 0)
    assert deployment.task_groups["cache"].require_progress_by is not None


def test_csi_volumes() -> None:
    (volume,) = parse_list(CSIVolume, json.loads(samples.CSI_VOLUMES))
    assert (volume.id, volume.plugin_id, volume.external_id) == (
        "volume-id1",
        "plugin-id1",
        "vol-abcdef",
    )
    assert volume.schedulable and volume.current_writers == 1 and volume.nodes_expected == 18


def test_event_batch() -> None:
    batch = parse_batch(samples.EVENT_BATCH.replace("\n", " "))
    assert batch is not None and batch.index == 7
    (event,) = batch.events
    assert (event.topic, event.type, event.namespace) == (
        "Allocation",
        "AllocationUpdated",
        "default",
    )
    assert event.filter_keys == ("<job id>", "<deployment id>")
    assert event.payload["Allocation"]["ClientStatus"] == "running"
    assert parse_batch("{}") is None and parse_batch("garbage") is None


def test_consul_service_id_gives_the_alloc() -> None:
    check = parse(
        ConsulCheck,
        {
            "CheckID": "_nomad-check-x",
            "ServiceID": "_nomad-task-5457f16d-0f87-8e6b-5e91-0c7da3a41eb7-redis-cache-db",
            "Status": "passing",
        },
    )
    assert check.alloc_id == "5457f16d-0f87-8e6b-5e91-0c7da3a41eb7"


# ---- log frames --------------------------------------------------------------------------


def test_log_frames_sample_with_and_without_separators() -> None:
    for text in (samples.LOG_FRAMES, samples.LOG_FRAMES.replace("\n", "")):
        frames = FrameDecoder().feed(text.encode())
        assert len(frames) == 3
        data = decode_frame(frames[0], 0)
        assert isinstance(data, LogData) and data.offset == 3604480
        assert decode_frame(frames[1], 0) == LogFileEvent("file deleted", "alloc/logs/redis.stdout.0")
        assert decode_frame(frames[2], 0) is None  # the heartbeat


def _frames(lines: list[bytes]) -> bytes:
    out = b""
    offset = 0
    for line in lines:
        offset += len(line)
        out += json.dumps(
            {
                "File": "alloc/logs/t.stdout.0",
                "Offset": offset,
                "Data": base64.b64encode(line).decode(),
            }
        ).encode()
        out += b"{}"
    return out


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.binary(min_size=1, max_size=200), min_size=1, max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
)
def test_frames_split_anywhere_decode_to_the_same_bytes(lines: list[bytes], cuts: list[int]) -> None:
    stream = _frames(lines)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    pieces = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    decoder = FrameDecoder()
    got = b""
    last_offset = 0
    for piece in pieces:
        for frame in decoder.feed(piece):
            item = decode_frame(frame, last_offset)
            if isinstance(item, LogData):
                got += item.data
                last_offset = item.offset
    assert got == b"".join(lines)
    assert last_offset == len(got)


def test_garbage_between_frames_is_skipped() -> None:
    stream = b'xx}{"File":"f","Offset":3,"Data":"YWJj"}not json{}{"File":"f","Offset":6,"Data":"ZGVm"}'
    frames = FrameDecoder().feed(stream)
    assert [decode_frame(f, 0).data for f in frames if decode_frame(f, 0)] == [b"abc", b"def"]


def test_bad_base64_and_types_are_ignored() -> None:
    assert isinstance(decode_frame({"Data": "!!!not-base64"}, 0), LogData | None)  # never raises
    assert decode_frame({"Data": 5}, 0) is None
    item = decode_frame({"Data": "YQ==", "Offset": "x"}, 10)
    assert isinstance(item, LogData) and item.offset == 11
