"""Nomad's objects as the simulator keeps them, each able to render its own JSON.

Field names and omissions follow Nomad's Go structs (nomad-api.md section 1); the
behaviour that changes them lives in `knot_tui.sim.nomad`.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from knot_tui.sim.gojson import go_time


def to_ns(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000_000)


@dataclass
class Node:
    id: str
    name: str
    address: str
    datacenter: str = "dc1"
    status: str = "ready"
    reachable: bool = True


@dataclass
class TaskEvent:
    type: str
    time: int
    message: str = ""
    details: dict[str, str] = field(default_factory=dict)
    fails_task: bool = False
    exit_code: int = 0
    signal: int = 0
    driver_error: str = ""
    restart_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "Type": self.type,
            "Time": self.time,
            "Message": "",
            "DisplayMessage": self.message,
            "Details": self.details,
            "FailsTask": self.fails_task,
            "RestartReason": self.restart_reason,
            "SetupError": "",
            "DriverError": self.driver_error,
            "ExitCode": self.exit_code,
            "Signal": self.signal,
            "KillTimeout": 0,
            "KillError": "",
            "KillReason": "",
            "StartDelay": 0,
            "DownloadError": "",
            "ValidationError": "",
            "DiskLimit": 0,
            "FailedSibling": "",
            "VaultError": "",
            "TaskSignalReason": "",
            "TaskSignal": "",
            "DriverMessage": "",
            "GenericSource": "",
        }


@dataclass
class TaskState:
    state: str = "pending"
    failed: bool = False
    restarts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_restart: datetime | None = None
    events: list[TaskEvent] = field(default_factory=list)

    def add(self, event: TaskEvent) -> None:
        self.events.append(event)
        del self.events[:-10]  # Nomad keeps the latest 10 per task

    def to_json(self) -> dict[str, Any]:
        return {
            "State": self.state,
            "Failed": self.failed,
            "Restarts": self.restarts,
            "LastRestart": go_time(self.last_restart) if self.last_restart else None,
            "StartedAt": go_time(self.started_at) if self.started_at else None,
            "FinishedAt": go_time(self.finished_at) if self.finished_at else None,
            "Events": [e.to_json() for e in self.events],
            "TaskHandle": None,
        }


@dataclass
class LogFile:
    """A task's stdout or stderr: bytes that grow with time (filled when read)."""

    data: bytearray = field(default_factory=bytearray)
    filled_at: float = 0.0
    line_no: int = 0
    #: Lines per simulated second while the task runs.
    rate: float = 0.5


@dataclass
class Alloc:
    id: str
    eval_id: str
    name: str
    namespace: str
    node: Node
    job_id: str
    job_version: int
    task_group: str
    tasks: list[str]
    space_id: str
    create_index: int
    create_time: int
    desired_status: str = "run"
    desired_description: str = ""
    client_status: str = "pending"
    client_description: str = "No tasks have started"
    task_states: dict[str, TaskState] = field(default_factory=dict)
    deployment_id: str = ""
    healthy: bool | None = None
    health_time: datetime | None = None
    modify_index: int = 0
    modify_time: int = 0
    ports: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[tuple[str, str], LogFile] = field(default_factory=dict)
    previous_allocation: str = ""
    next_allocation: str = ""
    reschedule_attempts: int = 0

    def stub(self) -> dict[str, Any]:
        """`AllocListStub` (no omitempty: every key present)."""
        return {
            "ID": self.id,
            "EvalID": self.eval_id,
            "Name": self.name,
            "Namespace": self.namespace,
            "NodeID": self.node.id,
            "NodeName": self.node.name,
            "JobID": self.job_id,
            "JobType": "service",
            "JobVersion": self.job_version,
            "TaskGroup": self.task_group,
            "AllocatedResources": None,
            "DesiredStatus": self.desired_status,
            "DesiredDescription": self.desired_description,
            "ClientStatus": self.client_status,
            "ClientDescription": self.client_description,
            "DesiredTransition": {
                "Migrate": None,
                "Reschedule": None,
                "ForceReschedule": None,
                "NoShutdownDelay": None,
            },
            "TaskStates": {name: state.to_json() for name, state in self.task_states.items()},
            "DeploymentStatus": self.deployment_status(),
            "FollowupEvalID": "",
            "NextAllocation": self.next_allocation,
            "RescheduleTracker": None,
            "PreemptedAllocations": None,
            "PreemptedByAllocation": "",
            "CreateIndex": self.create_index,
            "ModifyIndex": self.modify_index,
            "CreateTime": self.create_time,
            "ModifyTime": self.modify_time,
        }

    def deployment_status(self) -> dict[str, Any] | None:
        if not self.deployment_id:
            return None
        return {
            "Healthy": self.healthy,
            "Timestamp": go_time(self.health_time) if self.health_time else "0001-01-01T00:00:00Z",
            "Canary": False,
            "ModifyIndex": self.modify_index,
        }


@dataclass
class Deployment:
    id: str
    namespace: str
    job_id: str
    job_version: int
    job_modify_index: int
    job_create_index: int
    group: str
    auto_revert: bool
    progress_deadline: int
    create_index: int
    status: str = "running"
    status_description: str = "Deployment is running"
    placed: int = 0
    healthy: int = 0
    unhealthy: int = 0
    require_progress_by: datetime | None = None
    modify_index: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "ID": self.id,
            "Namespace": self.namespace,
            "JobID": self.job_id,
            "JobVersion": self.job_version,
            "JobModifyIndex": self.job_modify_index,
            "JobSpecModifyIndex": self.job_modify_index,
            "JobCreateIndex": self.job_create_index,
            "IsMultiregion": False,
            "TaskGroups": {
                self.group: {
                    "AutoRevert": self.auto_revert,
                    "AutoPromote": False,
                    "ProgressDeadline": self.progress_deadline,
                    "RequireProgressBy": go_time(self.require_progress_by)
                    if self.require_progress_by
                    else None,
                    "Promoted": False,
                    "PlacedCanaries": None,
                    "DesiredCanaries": 0,
                    "DesiredTotal": 1,
                    "PlacedAllocs": self.placed,
                    "HealthyAllocs": self.healthy,
                    "UnhealthyAllocs": self.unhealthy,
                }
            },
            "Status": self.status,
            "StatusDescription": self.status_description,
            "CreateIndex": self.create_index,
            "ModifyIndex": self.modify_index,
            "CreateTime": 0,
            "ModifyTime": 0,
        }


@dataclass
class Job:
    id: str
    namespace: str
    spec: dict[str, Any]
    space_id: str
    submit_time: int
    create_index: int
    version: int = 0
    status: str = "pending"
    stop: bool = False
    stable: bool = False
    modify_index: int = 0
    job_modify_index: int = 0

    @property
    def group(self) -> dict[str, Any]:
        groups = self.spec.get("TaskGroups") or [{}]
        return groups[0]

    def full(self) -> dict[str, Any]:
        body = dict(self.spec)
        body.update(
            {
                "ID": self.id,
                "Namespace": self.namespace,
                "Stop": self.stop,
                "Status": self.status,
                "StatusDescription": "",
                "Stable": self.stable,
                "Version": self.version,
                "SubmitTime": self.submit_time,
                "CreateIndex": self.create_index,
                "ModifyIndex": self.modify_index,
                "JobModifyIndex": self.job_modify_index,
                "ParentID": "",
                "Periodic": None,
                "ParameterizedJob": None,
                "Dispatched": False,
            }
        )
        return body

    def stub(self, summary: dict[str, Any], meta: bool = False) -> dict[str, Any]:
        body = {
            "ID": self.id,
            "ParentID": "",
            "Name": self.id,
            "Namespace": self.namespace,
            "Datacenters": self.spec.get("Datacenters") or ["dc1"],
            "NodePool": "default",
            "Multiregion": None,
            "Type": self.spec.get("Type", "service"),
            "Priority": self.spec.get("Priority", 50),
            "Periodic": False,
            "ParameterizedJob": False,
            "Stop": self.stop,
            "Status": self.status,
            "StatusDescription": "",
            "JobSummary": summary,
            "CreateIndex": self.create_index,
            "ModifyIndex": self.modify_index,
            "JobModifyIndex": self.job_modify_index,
            "SubmitTime": self.submit_time,
        }
        if meta:
            body["Meta"] = self.spec.get("Meta")
        return body


@dataclass
class Volume:
    id: str
    namespace: str
    name: str
    plugin_id: str
    capacity: int
    access_mode: str
    attachment_mode: str
    mount_options: dict[str, Any]
    create_index: int
    modify_index: int = 0
    claims: dict[str, str] = field(default_factory=dict)  # alloc id -> "write" | "read"


@dataclass
class NomadCheck:
    id: str
    check: str
    service: str
    group: str
    task: str
    kind: str  # tcp | http
    port_to: int
    address: str
    port: int
    path: str = ""
    status: str = "pending"
    output: str = ""
    status_code: int = 0
    timestamp: int = 0

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ID": self.id,
            "Check": self.check,
            "Group": self.group,
            "Mode": "healthiness",
            "Output": self.output,
            "Service": self.service,
            "Status": self.status,
            "Timestamp": self.timestamp,
        }
        if self.task:
            body["Task"] = self.task
        if self.status_code:
            body["StatusCode"] = self.status_code
        return body


@dataclass
class ConsulCheck:
    check_id: str
    name: str
    node: str
    service_id: str
    service_name: str
    kind: str
    interval: str
    timeout: str
    address: str
    port: int
    port_to: int
    path: str = ""
    protocol: str = "http"
    status: str = "critical"
    output: str = ""
    create_index: int = 0
    modify_index: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "Node": self.node,
            "CheckID": self.check_id,
            "Name": self.name,
            "Status": self.status,
            "Notes": "",
            "Output": self.output,
            "ServiceID": self.service_id,
            "ServiceName": self.service_name,
            "ServiceTags": [],
            "Type": self.kind,
            "Interval": self.interval,
            "Timeout": self.timeout,
            "ExposedPort": 0,
            "Definition": {},
            "CreateIndex": self.create_index,
            "ModifyIndex": self.modify_index,
        }


@dataclass
class AclToken:
    secret: str
    accessor: str
    name: str
    kind: str  # management | client
    policies: list[str]
    namespaces: dict[str, frozenset[str]]
    create_index: int = 1

    def can(self, namespace: str, capability: str) -> bool:
        if self.kind == "management":
            return True
        return capability in self.namespaces.get(namespace, frozenset())

    def readable_namespaces(self, capability: str = "read-job") -> list[str]:
        return [ns for ns, caps in self.namespaces.items() if capability in caps]

    def to_json(self) -> dict[str, Any]:
        return {
            "AccessorID": self.accessor,
            "SecretID": self.secret,
            "Name": self.name,
            "Type": self.kind,
            "Policies": self.policies or None,
            "Roles": None,
            "Global": True,
            "Hash": base64.b64encode(hashlib.sha256(self.secret.encode()).digest()).decode(),
            "CreateTime": "2026-09-01T10:00:00Z",
            "ExpirationTime": None,
            "CreateIndex": self.create_index,
            "ModifyIndex": self.create_index,
        }
