"""Nomad and Consul wire models (Go field names, every key optional: Nomad omits zero values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from knot_tui.wire import from_wire

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Indexed(Generic[T]):
    """A value with the `X-Nomad-Index` / `X-Consul-Index` it was read at."""

    value: T
    index: int


def ns_time(value: int) -> datetime | None:
    """Nomad's Unix-nanosecond timestamps (None for zero, negative or out of range)."""
    return unix_time(value / 1e9)


def unix_time(seconds: float) -> datetime | None:
    """Unix seconds as an aware datetime; None when not positive or past what datetime holds."""
    if not seconds > 0:  # also NaN
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


@dataclass(slots=True)
class TaskEvent:
    __wire_case__ = "pascal"

    type: str = ""
    time: int = 0
    display_message: str = ""
    message: str = ""
    details: dict[str, str] = field(default_factory=dict)
    fails_task: bool = False
    exit_code: int = 0
    signal: int = 0
    driver_error: str = ""
    restart_reason: str = ""

    @property
    def when(self) -> datetime | None:
        return ns_time(self.time)

    @property
    def text(self) -> str:
        """What to show: Nomad's DisplayMessage, else the raw message or details."""
        return self.display_message or self.message or self.driver_error or self.restart_reason


@dataclass(slots=True)
class TaskState:
    __wire_case__ = "pascal"

    state: str = ""
    failed: bool = False
    restarts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_restart: datetime | None = None
    events: list[TaskEvent] = field(default_factory=list)


@dataclass(slots=True)
class DeploymentStatus:
    __wire_case__ = "pascal"

    healthy: bool | None = None
    timestamp: datetime | None = None
    canary: bool = False


@dataclass(slots=True)
class Port:
    __wire_case__ = "pascal"

    label: str = ""
    value: int = 0
    to: int = 0
    host_ip: str = ""
    __wire_keys__ = {"host_ip": "HostIP"}


@dataclass(slots=True)
class SharedResources:
    __wire_case__ = "pascal"

    ports: list[Port] = field(default_factory=list)


@dataclass(slots=True)
class AllocatedResources:
    __wire_case__ = "pascal"

    shared: SharedResources | None = None


@dataclass(slots=True)
class Allocation:
    """An allocation as listed (`AllocListStub`) or read (`Allocation`)."""

    __wire_case__ = "pascal"

    id: str = ""
    eval_id: str = ""
    name: str = ""
    namespace: str = ""
    node_id: str = ""
    node_name: str = ""
    job_id: str = ""
    job_version: int = 0
    task_group: str = ""
    desired_status: str = ""
    desired_description: str = ""
    client_status: str = ""
    client_description: str = ""
    task_states: dict[str, TaskState] = field(default_factory=dict)
    deployment_status: DeploymentStatus | None = None
    deployment_id: str = ""
    previous_allocation: str = ""
    next_allocation: str = ""
    allocated_resources: AllocatedResources | None = None
    create_index: int = 0
    modify_index: int = 0
    create_time: int = 0
    modify_time: int = 0

    @property
    def short_id(self) -> str:
        return self.id[:8]

    @property
    def restarts(self) -> int:
        return sum(t.restarts for t in self.task_states.values())

    @property
    def healthy(self) -> bool | None:
        return self.deployment_status.healthy if self.deployment_status else None

    @property
    def created(self) -> datetime | None:
        return ns_time(self.create_time)

    @property
    def ports(self) -> list[Port]:
        shared = self.allocated_resources.shared if self.allocated_resources else None
        return shared.ports if shared else []


@dataclass(slots=True)
class Check:
    __wire_case__ = "pascal"

    name: str = ""
    type: str = ""
    protocol: str = ""
    path: str = ""
    port_label: str = ""
    interval: int = 0
    timeout: int = 0
    tls_skip_verify: bool = False
    __wire_keys__ = {"tls_skip_verify": "TLSSkipVerify"}


@dataclass(slots=True)
class Service:
    __wire_case__ = "pascal"

    name: str = ""
    port_label: str = ""
    provider: str = ""
    tags: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def is_nomad(self) -> bool:
        return self.provider == "nomad"


@dataclass(slots=True)
class Task:
    __wire_case__ = "pascal"

    name: str = ""
    driver: str = ""
    env: dict[str, str] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class UpdateStrategy:
    __wire_case__ = "pascal"

    health_check: str = ""
    min_healthy_time: int = 0
    healthy_deadline: int = 0
    progress_deadline: int = 0
    auto_revert: bool = False


@dataclass(slots=True)
class VolumeRequest:
    __wire_case__ = "pascal"

    name: str = ""
    type: str = ""
    source: str = ""
    read_only: bool = False
    access_mode: str = ""
    attachment_mode: str = ""


@dataclass(slots=True)
class NetworkPort:
    __wire_case__ = "pascal"

    label: str = ""
    value: int = 0
    to: int = 0


@dataclass(slots=True)
class Network:
    __wire_case__ = "pascal"

    mode: str = ""
    dynamic_ports: list[NetworkPort] = field(default_factory=list)
    reserved_ports: list[NetworkPort] = field(default_factory=list)


@dataclass(slots=True)
class TaskGroup:
    __wire_case__ = "pascal"

    name: str = ""
    count: int = 0
    update: UpdateStrategy | None = None
    networks: list[Network] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    volumes: dict[str, VolumeRequest] = field(default_factory=dict)

    def port_targets(self) -> dict[str, int]:
        """Port label -> the container port it maps to (`to`, else the static value)."""
        out: dict[str, int] = {}
        for network in self.networks:
            for port in [*network.dynamic_ports, *network.reserved_ports]:
                out[port.label] = port.to or port.value
        return out

    def all_services(self) -> list[tuple[str, Service]]:
        """(task name or "", service) for the group's and its tasks' services."""
        found = [("", s) for s in self.services]
        for task in self.tasks:
            found += [(task.name, s) for s in task.services]
        return found


@dataclass(slots=True)
class JobSummary:
    """Allocation counts per task group (`Queued`, `Running`, `Failed`, ...)."""

    __wire_case__ = "pascal"

    summary: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class Job:
    """A job as listed (`JobListStub`) or read (full job)."""

    __wire_case__ = "pascal"

    id: str = ""
    name: str = ""
    namespace: str = ""
    type: str = ""
    status: str = ""
    status_description: str = ""
    stop: bool = False
    stable: bool = False
    version: int = 0
    submit_time: int = 0
    datacenters: list[str] = field(default_factory=list)
    task_groups: list[TaskGroup] = field(default_factory=list)
    job_summary: JobSummary | None = None
    create_index: int = 0
    modify_index: int = 0

    @property
    def submitted(self) -> datetime | None:
        return ns_time(self.submit_time)

    def env_value(self, key: str) -> str:
        for group in self.task_groups:
            for task in group.tasks:
                if key in task.env:
                    return task.env[key]
        return ""


@dataclass(slots=True)
class DeploymentState:
    __wire_case__ = "pascal"

    desired_total: int = 0
    placed_allocs: int = 0
    healthy_allocs: int = 0
    unhealthy_allocs: int = 0
    auto_revert: bool = False
    progress_deadline: int = 0
    require_progress_by: datetime | None = None


@dataclass(slots=True)
class Deployment:
    __wire_case__ = "pascal"

    id: str = ""
    namespace: str = ""
    job_id: str = ""
    job_version: int = 0
    status: str = ""
    status_description: str = ""
    task_groups: dict[str, DeploymentState] = field(default_factory=dict)
    create_index: int = 0
    modify_index: int = 0

    @property
    def counts(self) -> tuple[int, int, int]:
        """(desired, healthy, unhealthy) over all groups."""
        states = self.task_groups.values()
        return (
            sum(s.desired_total for s in states),
            sum(s.healthy_allocs for s in states),
            sum(s.unhealthy_allocs for s in states),
        )


@dataclass(slots=True)
class CheckResult:
    """One Nomad-native check result (`/v1/client/allocation/<id>/checks`)."""

    __wire_case__ = "pascal"

    id: str = ""
    check: str = ""
    service: str = ""
    group: str = ""
    task: str = ""
    mode: str = ""
    status: str = ""
    status_code: int = 0
    output: str = ""
    timestamp: int = 0  # Unix seconds (not nanoseconds)

    @property
    def when(self) -> datetime | None:
        return unix_time(self.timestamp)


@dataclass(slots=True)
class Capability:
    __wire_case__ = "pascal"

    access_mode: str = ""
    attachment_mode: str = ""


@dataclass(slots=True)
class CSIVolume:
    __wire_case__ = "pascal"

    id: str = ""
    namespace: str = ""
    name: str = ""
    external_id: str = ""
    plugin_id: str = ""
    provider: str = ""
    schedulable: bool = False
    access_mode: str = ""
    attachment_mode: str = ""
    current_readers: int = 0
    current_writers: int = 0
    capacity: int = 0
    requested_capabilities: list[Capability] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    nodes_healthy: int = 0
    nodes_expected: int = 0
    create_index: int = 0
    modify_index: int = 0
    __wire_keys__ = {"external_id": "ExternalID", "plugin_id": "PluginID"}


@dataclass(slots=True)
class Namespace:
    __wire_case__ = "pascal"

    name: str = ""
    description: str = ""


@dataclass(slots=True)
class AclToken:
    __wire_case__ = "pascal"

    accessor_id: str = ""
    name: str = ""
    type: str = ""
    policies: list[str] = field(default_factory=list)
    __wire_keys__ = {"accessor_id": "AccessorID"}

    @property
    def management(self) -> bool:
        return self.type == "management"


@dataclass(slots=True)
class ConsulCheck:
    """`GET /v1/health/checks/<service>` items."""

    __wire_case__ = "pascal"

    node: str = ""
    check_id: str = ""
    name: str = ""
    status: str = ""
    notes: str = ""
    output: str = ""
    service_id: str = ""
    service_name: str = ""
    type: str = ""
    interval: str = ""
    modify_index: int = 0
    __wire_keys__ = {"check_id": "CheckID", "service_id": "ServiceID"}

    @property
    def alloc_id(self) -> str:
        """Nomad names Consul services `_nomad-task-<alloc id>-<task>-<service>-<port>`."""
        prefix = "_nomad-task-"
        if self.service_id.startswith(prefix):
            return self.service_id[len(prefix) : len(prefix) + 36]
        return ""


def parse(cls: type[T], data: Any) -> T:
    return from_wire(cls, data)


def parse_list(cls: type[T], data: Any) -> list[T]:
    if not isinstance(data, list):
        return []
    return [from_wire(cls, item) for item in data if isinstance(item, dict)]


def parse_checks(data: Any) -> dict[str, CheckResult]:
    """The checks map; Nomad sends `null` when there are no results."""
    if not isinstance(data, dict):
        return {}
    return {str(k): from_wire(CheckResult, v) for k, v in data.items() if isinstance(v, dict)}
