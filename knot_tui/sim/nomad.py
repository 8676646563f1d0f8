"""The simulated Nomad cluster (and its Consul): jobs, allocations, deployments, volumes,
checks, task logs and the event buffer, changed by knot's calls and by time.

An allocation's life follows Nomad's: `Received`, `Task Setup`, `Driver` (image pull),
`Started`; checks pending then passing or failing according to which container ports
really listen; a deployment that turns healthy after `min_healthy_time` or unhealthy at
`healthy_deadline`; on stop `Killing`, `Terminated`, `Killed` and `complete`. Faults are
scenarios: an image that cannot be pulled, a check that flaps and restarts the task, a node
that goes away ("No path to node").
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter, deque
from typing import Any

from knot_tui.sim import agent as sim_agent
from knot_tui.sim.gojson import go_time
from knot_tui.sim.nomad_objects import (
    AclToken,
    Alloc,
    ConsulCheck,
    Deployment,
    Job,
    LogFile,
    Node,
    NomadCheck,
    TaskEvent,
    TaskState,
    Volume,
    to_ns,
)
from knot_tui.sim.world import SimSpace, World

# Simulated seconds.
SETUP = 0.3
IMAGE_PULL = 3.0
TASK_START = 1.0
FIRST_CHECK = 1.0
KILL = 1.0
RESTART_DELAY = 5.0
RESCHEDULE_DELAY = 30.0
FLAP_UP = 25.0
FLAP_DOWN = 35.0
NODE_GOES_AWAY_AFTER = 90.0

EVENT_BUFFER = 100  # batches (event_buffer_size)

#: Container ports a knot desktop image really listens on, from the template's env.
#: The agent's old :3000 HTTP server (and its /ping) is gone since knot v0.10.
_PORT_ENV = {
    "KNOT_SSH_PORT": "ssh",
    "KNOT_VNC_HTTP_PORT": "vnc",
    "KNOT_CODE_SERVER_PORT": "code",
}

DEV_CAPABILITIES = frozenset(
    {
        "list-jobs",
        "read-job",
        "read-logs",
        "read-fs",
        "csi-read-volume",
        "csi-list-volume",
        "submit-job",
    }
)
DEFAULT_NS_CAPABILITIES = frozenset(
    {"list-jobs", "read-job", "read-logs", "read-fs", "csi-read-volume", "csi-list-volume"}
)


class NomadCluster:
    """Everything Nomad (and the Consul beside it) knows, and how time changes it."""

    def __init__(self, world: World) -> None:
        self.world = world
        rng = world.rng
        self.nodes = [Node(str(_uuid(rng)), f"nomad-client-{i}", f"10.0.1.{10 + i}") for i in range(1, 4)]
        self.spare_node = self.nodes[2]  # only for the node-goes-away scenario
        self.jobs: dict[tuple[str, str], Job] = {}
        self.allocs: dict[str, Alloc] = {}
        self.deployments: dict[str, Deployment] = {}
        self.volumes: dict[tuple[str, str], Volume] = {}
        self.nomad_checks: dict[str, dict[str, NomadCheck]] = {}
        #: How often clients read each allocation's checks (they should poll only when shown).
        self.check_reads: Counter[str] = Counter()
        self.consul_checks: dict[str, list[ConsulCheck]] = {}
        self.namespaces: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, AclToken] = {}
        self.table_index: dict[str, int] = {}
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENT_BUFFER)
        self.event_signal = asyncio.Event()
        self.consul_index = 1
        self._placement = 0
        #: Set when the simulator stops: open streams end instead of waiting for data.
        self.closed = False
        self.ensure_namespace("default", "Default shared namespace")

    # ---- identity and indexes ------------------------------------------------------

    def new_id(self) -> str:
        return self.world.new_id()

    def now_ns(self) -> int:
        return to_ns(self.world.clock.now())

    def bump(self, *tables: str) -> int:
        index = self.world.bump()
        for table in tables:
            self.table_index[table] = index
        return index

    def index_of(self, table: str) -> int:
        return self.table_index.get(table, 1)

    def publish(
        self,
        topic: str,
        kind: str,
        key: str,
        namespace: str,
        filter_keys: list[str],
        payload: dict[str, Any],
        index: int,
    ) -> None:
        event = {
            "Topic": topic,
            "Type": kind,
            "Key": key,
            "Namespace": namespace,
            "FilterKeys": filter_keys,
            "Index": index,
            "Payload": payload,
        }
        if self.events and self.events[-1]["Index"] == index:
            self.events[-1]["Events"].append(event)
        else:
            self.events.append({"Index": index, "Events": [event]})
        self.event_signal.set()
        self.event_signal = asyncio.Event()

    def close(self) -> None:
        self.closed = True
        self.event_signal.set()

    # ---- namespaces and tokens ------------------------------------------------------

    def ensure_namespace(self, name: str, description: str = "") -> None:
        if name not in self.namespaces:
            index = self.bump("namespaces")
            self.namespaces[name] = {
                "Name": name,
                "Description": description,
                "Quota": "",
                "Meta": None,
                "Capabilities": None,
                "NodePoolConfiguration": {"Default": "default", "Allowed": None, "Denied": None},
                "CreateIndex": index,
                "ModifyIndex": index,
            }

    def add_token(
        self,
        name: str,
        kind: str,
        namespaces: dict[str, frozenset[str]] | None = None,
        policies: list[str] | None = None,
    ) -> AclToken:
        token = AclToken(
            secret=self.new_id(),
            accessor=self.new_id(),
            name=name,
            kind=kind,
            policies=policies or [],
            namespaces=dict(namespaces or {}),
        )
        self.tokens[token.secret] = token
        return token

    def developer_token(self, username: str) -> AclToken:
        """Read (and submit) in the user's namespace, read in `default`: a typical policy."""
        self.ensure_namespace(username, f"Spaces of {username}")
        return self.add_token(
            f"{username} (developer)",
            "client",
            {username: DEV_CAPABILITIES, "default": DEFAULT_NS_CAPABILITIES},
            [f"dev-{username}"],
        )

    # ---- volumes ---------------------------------------------------------------------

    def create_volume(self, spec: dict[str, Any]) -> Volume:
        key = (spec["namespace"], spec["id"])
        found = self.volumes.get(key)
        if found is not None:
            return found
        self.ensure_namespace(spec["namespace"])
        capabilities = spec.get("capabilities") or [{}]
        first = capabilities[0] if isinstance(capabilities[0], dict) else {}
        index = self.bump("csi_volumes")
        volume = Volume(
            id=spec["id"],
            namespace=spec["namespace"],
            name=str(spec.get("name") or spec["id"]),
            plugin_id=str(spec.get("plugin_id") or "hostpath"),
            capacity=_capacity(spec.get("capacity_max") or spec.get("capacity_min")),
            access_mode=str(first.get("access_mode", "single-node-writer")),
            attachment_mode=str(first.get("attachment_mode", "file-system")),
            mount_options=spec.get("mount_options") or {},
            create_index=index,
            modify_index=index,
        )
        self.volumes[key] = volume
        self.publish(
            "CSIVolume",
            "CSIVolumeRegistered",
            volume.id,
            volume.namespace,
            [volume.id, volume.name, volume.plugin_id],
            {"Volume": {"ID": volume.id}},
            index,
        )
        return volume

    def delete_volume(self, namespace: str, volume_id: str) -> None:
        volume = self.volumes.pop((namespace, volume_id), None)
        if volume is not None:
            index = self.bump("csi_volumes")
            self.publish(
                "CSIVolume",
                "CSIVolumeDeregistered",
                volume.id,
                namespace,
                [volume.id],
                {"Volume": {"ID": volume.id}},
                index,
            )

    # ---- jobs ------------------------------------------------------------------------

    def register(
        self, space: SimSpace, spec: dict[str, Any], *, fault: str = "", settled: bool = False
    ) -> Job:
        """`POST /v1/jobs`: a new version of the job, a deployment and one allocation.

        With `settled`, the allocation is placed as if it had been running for a while (for
        seeding); otherwise it goes through Nomad's timeline on the clock.
        """
        namespace = spec.get("Namespace") or "default"
        self.ensure_namespace(namespace)
        key = (namespace, spec["ID"])
        job = self.jobs.get(key)
        index = self.bump("jobs", "job_summary")
        if job is None:
            job = Job(
                id=spec["ID"],
                namespace=namespace,
                spec=spec,
                space_id=space.space_id,
                submit_time=self.now_ns(),
                create_index=index,
            )
            self.jobs[key] = job
        else:
            job.version += 1
            job.spec = spec
            job.submit_time = self.now_ns()
        job.stop = False
        job.status = "pending"
        job.stable = False
        job.modify_index = job.job_modify_index = index
        self.publish("Job", "JobRegistered", job.id, namespace, [], {"Job": job.full()}, index)
        deployment = self._new_deployment(job)
        self._place(job, space, deployment, fault=fault, settled=settled)
        return job

    def deregister(self, namespace: str, job_id: str) -> Job | None:
        """`DELETE /v1/job/<id>?purge=false`: stop the allocations; the job turns `dead`."""
        job = self.jobs.get((namespace, job_id))
        if job is None:
            return None
        index = self.bump("jobs", "job_summary")
        job.stop = True
        job.modify_index = job.job_modify_index = index
        self.publish("Job", "JobDeregistered", job.id, namespace, [], {"Job": job.full()}, index)
        for deployment in self.deployments.values():
            if (
                deployment.job_id == job.id
                and deployment.namespace == namespace
                and deployment.status == "running"
            ):
                deployment.status = "cancelled"
                deployment.status_description = "Cancelled because job is stopped"
                deployment.modify_index = self.bump("deployment")
        for alloc in self.job_allocs(namespace, job_id):
            if alloc.desired_status == "run":
                alloc.desired_status = "stop"
                alloc.desired_description = "alloc not needed due to job update"
                self._touch(alloc)
                self.world.spawn(self._kill(alloc, job), name=f"kill:{alloc.id}")
        if not any(a.client_status in ("pending", "running") for a in self.job_allocs(namespace, job_id)):
            self._set_job_status(job, "dead")
        return job

    def _set_job_status(self, job: Job, status: str) -> None:
        if job.status != status:
            job.status = status
            job.modify_index = self.bump("jobs", "job_summary")
            self.publish(
                "Job",
                "JobRegistered",
                job.id,
                job.namespace,
                [],
                {"Job": job.full()},
                job.modify_index,
            )

    def _new_deployment(self, job: Job) -> Deployment | None:
        update = job.group.get("Update")
        if not update:
            return None
        for old in self.deployments.values():
            if old.job_id == job.id and old.namespace == job.namespace and old.status == "running":
                old.status = "cancelled"
                old.status_description = "Cancelled due to newer version of job"
                old.modify_index = self.bump("deployment")
        index = self.bump("deployment")
        deployment = Deployment(
            id=self.new_id(),
            namespace=job.namespace,
            job_id=job.id,
            job_version=job.version,
            job_modify_index=job.job_modify_index,
            job_create_index=job.create_index,
            group=job.group.get("Name", ""),
            auto_revert=bool(update.get("AutoRevert")),
            progress_deadline=int(update.get("ProgressDeadline") or 0),
            create_index=index,
            modify_index=index,
        )
        self.deployments[deployment.id] = deployment
        self.publish(
            "Deployment",
            "DeploymentStatusUpdate",
            deployment.id,
            job.namespace,
            [job.id],
            {"Deployment": deployment.to_json()},
            index,
        )
        return deployment

    # ---- allocations -------------------------------------------------------------------

    def _pick_node(self, space: SimSpace) -> Node:
        if space.fault == "node-away":
            return self.spare_node
        self._placement += 1
        return self.nodes[self._placement % 2]

    def _place(
        self,
        job: Job,
        space: SimSpace,
        deployment: Deployment | None,
        *,
        fault: str,
        settled: bool,
        previous: Alloc | None = None,
    ) -> Alloc:
        group = job.group
        tasks = [t.get("Name", "task") for t in group.get("Tasks") or []] or ["task"]
        node = previous.node if previous is not None and fault != "image-pull" else self._pick_node(space)
        index = self.bump("allocs")
        created = self.world.clock.now()
        alloc = Alloc(
            id=self.new_id(),
            eval_id=self.new_id(),
            name=f"{job.id}.{group.get('Name', 'group')}[0]",
            namespace=job.namespace,
            node=node,
            job_id=job.id,
            job_version=job.version,
            task_group=group.get("Name", ""),
            tasks=tasks,
            space_id=space.space_id,
            create_index=index,
            create_time=to_ns(created),
            modify_index=index,
            modify_time=to_ns(created),
            deployment_id=deployment.id if deployment else "",
            previous_allocation=previous.id if previous else "",
            reschedule_attempts=(previous.reschedule_attempts + 1) if previous else 0,
        )
        rng = self.world.rng
        for network in group.get("Networks") or []:
            for port in network.get("DynamicPorts") or []:
                alloc.ports.append(
                    {
                        "Label": port.get("Label", ""),
                        "Value": port.get("Value") or 20000 + rng.randrange(12000),
                        "To": port.get("To", 0),
                        "HostIP": node.address,
                    }
                )
        for task in tasks:
            alloc.task_states[task] = TaskState()
            for stream in ("stdout", "stderr"):
                alloc.logs[(task, stream)] = LogFile(
                    filled_at=self.world.clock.now().timestamp(),
                    rate=0.5 if stream == "stdout" else 0.05,
                )
        if previous is not None:
            previous.next_allocation = alloc.id
            self._touch(previous)
        if deployment is not None:
            deployment.placed += 1
            deployment.require_progress_by = created
            deployment.modify_index = self.bump("deployment")
        self.allocs[alloc.id] = alloc
        self._claim_volumes(job, alloc)
        self.publish(
            "Allocation",
            "AllocationCreated" if previous is None else "AllocationUpdated",
            alloc.id,
            job.namespace,
            [job.id, alloc.deployment_id],
            {"Allocation": self.alloc_json(alloc, event=True)},
            index,
        )
        if settled:
            self._settle(job, alloc, deployment, space)
        else:
            self.world.spawn(self._run(job, alloc, deployment, space, fault), name=f"alloc:{alloc.id}")
        return alloc

    def _claim_volumes(self, job: Job, alloc: Alloc) -> None:
        for spec in (job.group.get("Volumes") or {}).values():
            volume = self.volumes.get((job.namespace, spec.get("Source", "")))
            if volume is not None:
                volume.claims[alloc.id] = "read" if spec.get("ReadOnly") else "write"
                volume.modify_index = self.bump("csi_volumes")

    def _release_volumes(self, alloc: Alloc) -> None:
        for volume in self.volumes.values():
            if volume.claims.pop(alloc.id, None) is not None:
                volume.modify_index = self.bump("csi_volumes")

    def _touch(self, alloc: Alloc, event: str = "AllocationUpdated") -> None:
        alloc.modify_index = self.bump("allocs")
        alloc.modify_time = self.now_ns()
        self.publish(
            "Allocation",
            event,
            alloc.id,
            alloc.namespace,
            [alloc.job_id, alloc.deployment_id],
            {"Allocation": self.alloc_json(alloc, event=True)},
            alloc.modify_index,
        )

    def _event(self, alloc: Alloc, task: str, kind: str, message: str, **kw: Any) -> None:
        alloc.task_states[task].add(TaskEvent(kind, self.now_ns(), message, **kw))

    def _task_env(self, job: Job) -> dict[str, str]:
        tasks = job.group.get("Tasks") or [{}]
        return tasks[0].get("Env") or {}

    def _listening(self, job: Job, space: SimSpace) -> set[int]:
        """Container ports that accept connections once the task runs."""
        template = self.world.template_of(space)
        env = self._task_env(job)
        ports: set[int] = set()
        for key in _PORT_ENV:
            value = env.get(key, "")
            if value.isdigit() and int(value) > 0:
                if key == "KNOT_SSH_PORT" and template is not None and not template.with_ssh:
                    continue
                if key == "KNOT_CODE_SERVER_PORT" and template is not None and not template.with_code_server:
                    continue
                ports.add(int(value))
        return ports

    async def _run(
        self, job: Job, alloc: Alloc, deployment: Deployment | None, space: SimSpace, fault: str
    ) -> None:
        """Nomad's timeline for one allocation, on the simulated clock."""
        clock = self.world.clock
        for task in alloc.tasks:
            self._event(alloc, task, "Received", "Task received by client")
        self._touch(alloc)
        await clock.sleep(SETUP, "setup")
        if alloc.desired_status != "run":
            return
        for task in alloc.tasks:
            self._event(alloc, task, "Task Setup", "Building Task Directory")
            self._event(alloc, task, "Driver", f"Downloading image {self._image(job, task)}")
        self._touch(alloc)
        await clock.sleep(IMAGE_PULL, "image-pull")
        if alloc.desired_status != "run":
            return
        if fault == "image-pull":
            await self._fail_pull(job, alloc, deployment, space)
            return
        await clock.sleep(TASK_START, "task-start")
        if alloc.desired_status != "run":
            return
        self._start_tasks(job, alloc, space)
        self._register_checks(job, alloc, space)
        await clock.sleep(FIRST_CHECK, "first-check")
        self.evaluate_checks(job, alloc, space)
        await self._track_health(job, alloc, deployment, space)
        if fault == "flapping":
            await self._flap(job, alloc, space)

    def _image(self, job: Job, task: str) -> str:
        for spec in job.group.get("Tasks") or []:
            if spec.get("Name") == task:
                return str((spec.get("Config") or {}).get("image", ""))
        return ""

    def _start_tasks(self, job: Job, alloc: Alloc, space: SimSpace) -> None:
        now = self.world.clock.now()
        for task in alloc.tasks:
            state = alloc.task_states[task]
            state.state = "running"
            state.started_at = now
            self._event(alloc, task, "Started", "Task started by client")
            self._boot_log(alloc, task, space)
        alloc.client_status = "running"
        alloc.client_description = "Tasks are running"
        self._touch(alloc)
        self._set_job_status(job, "running")

    def _boot_log(self, alloc: Alloc, task: str, space: SimSpace) -> None:
        owner = self.world.users.get(space.user_id)
        user = owner.username if owner else "knot"
        lines = [
            "knot-entrypoint: downloading agent from "
            f"{self.world.server_url}/agents/knot_agent_linux_amd64.zip",
            f"knot-entrypoint: starting knot agent as {user}",
            "Starting system message bus: dbus.",
            "Starting OpenBSD Secure Shell server: sshd.",
            f"KasmVNC: listening on 0.0.0.0:5680 for {space.name}",
        ]
        log = alloc.logs[(task, "stdout")]
        for line in lines:
            log.data += (line + "\n").encode()
            log.line_no += 1
        err = alloc.logs[(task, "stderr")]
        err.data += b"xfce4-session: Could not load a D-Bus session manager, continuing\n"

    def _settle(self, job: Job, alloc: Alloc, deployment: Deployment | None, space: SimSpace) -> None:
        """Place a seeded allocation that has been running for `space.started_at`."""
        started = space.started_at or self.world.clock.now()
        t0 = to_ns(started)
        for task in alloc.tasks:
            state = alloc.task_states[task]
            for offset, kind, message in (
                (0.0, "Received", "Task received by client"),
                (0.3, "Task Setup", "Building Task Directory"),
                (0.4, "Driver", f"Downloading image {self._image(job, task)}"),
                (4.2, "Started", "Task started by client"),
            ):
                state.add(TaskEvent(kind, t0 + int(offset * 1e9), message))
            state.state = "running"
            state.started_at = started
            self._boot_log(alloc, task, space)
        alloc.create_time = t0
        job.submit_time = min(job.submit_time, t0)  # it was submitted when the space started
        alloc.client_status = "running"
        alloc.client_description = "Tasks are running"
        self._register_checks(job, alloc, space)
        self.evaluate_checks(job, alloc, space)
        healthy = self._checks_pass(alloc, space)
        if deployment is not None:
            alloc.healthy = healthy
            alloc.health_time = started
            deployment.healthy += int(healthy)
            deployment.unhealthy += int(not healthy)
            self._finish_deployment(job, deployment, healthy, alloc)
        self._touch(alloc)
        self._set_job_status(job, "running")

    def resume(self, space: SimSpace) -> None:
        """Start the background behaviour of a seeded, settled allocation (needs a loop)."""
        if space.nomad_job is None:
            return
        job = self.jobs.get(space.nomad_job)
        if job is None:
            return
        for alloc in self.job_allocs(job.namespace, job.id):
            if alloc.client_status == "running" and space.fault == "flapping":
                self.world.spawn(self._flap(job, alloc, space), name=f"flap:{alloc.id}")

    async def _fail_pull(
        self, job: Job, alloc: Alloc, deployment: Deployment | None, space: SimSpace
    ) -> None:
        image = self._image(job, alloc.tasks[0])
        reason = (
            f"Failed to pull `{image}`: API error (404): manifest for {image} not found: "
            "manifest unknown: manifest unknown"
        )
        now = self.world.clock.now()
        for task in alloc.tasks:
            state = alloc.task_states[task]
            state.state = "dead"
            state.failed = True
            state.finished_at = now
            self._event(alloc, task, "Driver Failure", reason, fails_task=True, driver_error=reason)
            self._event(alloc, task, "Not Restarting", "Error was unrecoverable", fails_task=True)
        alloc.client_status = "failed"
        alloc.client_description = "Failed tasks"
        if deployment is not None:
            alloc.healthy = False
            alloc.health_time = now
            deployment.unhealthy += 1
            self._finish_deployment(job, deployment, False, alloc)
        self._touch(alloc)
        self._release_volumes(alloc)
        # The job stays pending while Nomad reschedules (service jobs retry with a delay).
        if alloc.reschedule_attempts < 2 and not job.stop:
            await self.world.clock.sleep(RESCHEDULE_DELAY)
            if not job.stop and alloc.desired_status == "run":
                self._place(job, space, deployment, fault="image-pull", settled=False, previous=alloc)

    async def _track_health(
        self, job: Job, alloc: Alloc, deployment: Deployment | None, space: SimSpace
    ) -> None:
        if deployment is None:
            return
        update = job.group.get("Update") or {}
        min_healthy = (update.get("MinHealthyTime") or 10_000_000_000) / 1e9
        deadline = (update.get("HealthyDeadline") or 300_000_000_000) / 1e9
        await self.world.clock.sleep(min(min_healthy, deadline))
        if alloc.desired_status != "run" or alloc.client_status != "running":
            return
        if self._checks_pass(alloc, space):
            healthy = True
        else:
            await self.world.clock.sleep(max(0.0, deadline - min_healthy))
            if alloc.desired_status != "run" or alloc.client_status != "running":
                return
            self.evaluate_checks(job, alloc, space)
            healthy = self._checks_pass(alloc, space)
        alloc.healthy = healthy
        alloc.health_time = self.world.clock.now()
        if healthy:
            deployment.healthy += 1
        else:
            deployment.unhealthy += 1
            services = ", ".join(
                sorted(
                    {c.service_name for c in self._consul_for(alloc)}
                    | {c.service for c in self.nomad_checks.get(alloc.id, {}).values()}
                )
            )
            for task in alloc.tasks:
                self._event(alloc, task, "Alloc Unhealthy", f"Services not healthy by deadline: {services}")
        self._finish_deployment(job, deployment, healthy, alloc)
        self._touch(alloc)

    def _finish_deployment(self, job: Job, deployment: Deployment, healthy: bool, alloc: Alloc) -> None:
        if deployment.status != "running":
            return
        if healthy:
            deployment.status = "successful"
            deployment.status_description = "Deployment completed successfully"
            job.stable = True
        else:
            deployment.status = "failed"
            description = "Failed due to unhealthy allocations"
            if deployment.auto_revert:
                description += (
                    f" - not rolling back to stable job version {job.version} "
                    "as current job has same specification"
                )
            deployment.status_description = description
        deployment.modify_index = self.bump("deployment")
        self.publish(
            "Deployment",
            "DeploymentStatusUpdate",
            deployment.id,
            job.namespace,
            [job.id],
            {"Deployment": deployment.to_json()},
            deployment.modify_index,
        )

    async def _flap(self, job: Job, alloc: Alloc, space: SimSpace) -> None:
        """A check that passes, then fails three times, and `check_restart` restarts the task."""
        clock = self.world.clock
        while alloc.desired_status == "run" and alloc.client_status == "running":
            await clock.sleep(FLAP_UP)
            if alloc.desired_status != "run":
                return
            self._set_checks(alloc, ok=False, reason="connection refused")
            self._touch(alloc)
            await clock.sleep(FLAP_DOWN)
            if alloc.desired_status != "run":
                return
            check = next(iter(self.nomad_checks.get(alloc.id, {}).values()), None)
            name = check.check if check else "alive"
            reason = f'healthcheck: check "{name}" unhealthy'
            sim_agent.disconnect(self.world, space)
            self.world.space_changed(space)
            for task in alloc.tasks:
                state = alloc.task_states[task]
                self._event(
                    alloc,
                    task,
                    "Restart Signaled",
                    reason,
                    restart_reason=reason,
                    details={"restart_reason": reason},
                )
                self._event(
                    alloc,
                    task,
                    "Terminated",
                    "Exit Code: 143, Signal: 15",
                    exit_code=143,
                    signal=15,
                )
                self._event(
                    alloc,
                    task,
                    "Restarting",
                    f"Task restarting in {RESTART_DELAY:.0f}s",
                    restart_reason=reason,
                )
                state.state = "pending"
                state.restarts += 1
                state.last_restart = clock.now()
            self._touch(alloc)
            await clock.sleep(RESTART_DELAY)
            if alloc.desired_status != "run":
                return
            for task in alloc.tasks:
                alloc.task_states[task].state = "running"
                alloc.task_states[task].started_at = clock.now()
                self._event(alloc, task, "Started", "Task started by client")
            self._set_checks(alloc, ok=True)
            self._touch(alloc)
            sim_agent.connect(self.world, space)
            self.world.space_changed(space)

    async def _kill(self, alloc: Alloc, job: Job) -> None:
        for task in alloc.tasks:
            state = alloc.task_states[task]
            if state.state == "running":
                self._event(alloc, task, "Killing", "Sent interrupt. Waiting 5s before force killing")
        self._touch(alloc)
        await self.world.clock.sleep(KILL)
        now = self.world.clock.now()
        for task in alloc.tasks:
            state = alloc.task_states[task]
            if state.state != "dead":
                self._event(alloc, task, "Terminated", "Exit Code: 0")
                self._event(alloc, task, "Killed", "Task successfully killed")
                state.state = "dead"
                state.finished_at = now
        if alloc.client_status in ("pending", "running"):
            alloc.client_status = "complete"
            alloc.client_description = "All tasks have completed"
        self._deregister_checks(alloc)
        self._release_volumes(alloc)
        self._touch(alloc)
        if not any(a.client_status in ("pending", "running") for a in self.job_allocs(job.namespace, job.id)):
            self._set_job_status(job, "dead")

    # ---- checks ----------------------------------------------------------------------

    def _services(self, job: Job) -> list[tuple[str, dict[str, Any]]]:
        """(task name or "", service) for group and task services."""
        group = job.group
        found = [("", s) for s in group.get("Services") or []]
        for task in group.get("Tasks") or []:
            found += [(task.get("Name", ""), s) for s in task.get("Services") or []]
        return found

    def _port(self, alloc: Alloc, label: str) -> tuple[int, int]:
        """(address port, container port) of a port label, or of a driver-mode port number."""
        if label.isdigit():
            return int(label), int(label)
        for port in alloc.ports:
            if port["Label"] == label:
                return int(port["Value"]), int(port["To"])
        return 0, 0

    def _register_checks(self, job: Job, alloc: Alloc, space: SimSpace) -> None:
        nomad: dict[str, NomadCheck] = {}
        for task, service in self._services(job):
            for check in service.get("Checks") or []:
                value, to = self._port(alloc, check.get("PortLabel") or service.get("PortLabel", ""))
                if service.get("Provider") == "nomad":
                    check_id = hashlib.sha256(
                        f"{alloc.id}/{alloc.task_group}/{task}/{check.get('Name')}".encode()
                    ).hexdigest()[:32]
                    nomad[check_id] = NomadCheck(
                        id=check_id,
                        check=check.get("Name", ""),
                        service=service.get("Name", ""),
                        group=alloc.name,
                        task=task,
                        kind=check.get("Type", "tcp"),
                        port_to=to,
                        address=alloc.node.address,
                        port=value,
                        path=check.get("Path", ""),
                    )
                else:
                    name = service.get("Name", "")
                    service_id = f"_nomad-task-{alloc.id}-{task}-{name}-{service.get('PortLabel', '')}"
                    self.consul_index += 1
                    consul = ConsulCheck(
                        check_id="_nomad-check-"
                        + hashlib.sha1(f"{service_id}/{check.get('Name')}".encode()).hexdigest(),  # noqa: S324 - an id, as Nomad makes it
                        name=check.get("Name", ""),
                        node=alloc.node.name,
                        service_id=service_id,
                        service_name=name,
                        kind=check.get("Type", "http"),
                        interval=f"{int(check.get('Interval', 10e9) / 1e9)}s",
                        timeout=f"{int(check.get('Timeout', 2e9) / 1e9)}s",
                        address=alloc.node.address,
                        port=value,
                        port_to=to,
                        path=check.get("Path", ""),
                        protocol=check.get("Protocol") or "http",
                        create_index=self.consul_index,
                        modify_index=self.consul_index,
                    )
                    self.consul_checks.setdefault(name, []).append(consul)
        if nomad:
            self.nomad_checks[alloc.id] = nomad
        self.world.bump()

    def _deregister_checks(self, alloc: Alloc) -> None:
        self.nomad_checks.pop(alloc.id, None)
        changed = False
        for name, checks in list(self.consul_checks.items()):
            kept = [c for c in checks if alloc.id not in c.service_id]
            if len(kept) != len(checks):
                changed = True
                if kept:
                    self.consul_checks[name] = kept
                else:
                    del self.consul_checks[name]
        if changed:
            self.consul_index += 1
            self.world.bump()

    def _consul_for(self, alloc: Alloc) -> list[ConsulCheck]:
        return [c for checks in self.consul_checks.values() for c in checks if alloc.id in c.service_id]

    def evaluate_checks(self, job: Job, alloc: Alloc, space: SimSpace) -> None:
        """Run every check once: it passes when its container port really listens."""
        listening = self._listening(job, space)
        for check in self.nomad_checks.get(alloc.id, {}).values():
            self._result_nomad(check, check.port_to in listening)
        for check in self._consul_for(alloc):
            self._result_consul(check, check.port_to in listening)
        self.world.bump()

    def _set_checks(self, alloc: Alloc, *, ok: bool, reason: str = "") -> None:
        for check in self.nomad_checks.get(alloc.id, {}).values():
            self._result_nomad(check, ok)
        for check in self._consul_for(alloc):
            self._result_consul(check, ok)
        self.world.bump()

    def _result_nomad(self, check: NomadCheck, ok: bool) -> None:
        check.timestamp = int(self.world.clock.now().timestamp())
        target = f"{check.address}:{check.port}"
        if check.kind == "http":
            check.status_code = 200 if ok else 0
            check.output = (
                "nomad: http ok"
                if ok
                else f'nomad: Get "http://{target}{check.path}": '
                f"dial tcp {target}: connect: connection refused"
            )
        else:
            check.output = "nomad: tcp ok" if ok else f"nomad: dial tcp {target}: connect: connection refused"
        check.status = "success" if ok else "failure"

    def _result_consul(self, check: ConsulCheck, ok: bool) -> None:
        target = f"{check.address}:{check.port}"
        if check.kind == "http":
            url = f"{check.protocol}://{target}{check.path}"
            output = (
                f"HTTP GET {url}: 200 OK Output: "
                if ok
                else f'Get "{url}": dial tcp {target}: connect: connection refused'
            )
        else:
            output = (
                f"TCP connect {target}: Success" if ok else f"dial tcp {target}: connect: connection refused"
            )
        status = "passing" if ok else "critical"
        if (check.status, check.output) != (status, output):
            self.consul_index += 1
            check.status, check.output, check.modify_index = status, output, self.consul_index

    def _checks_pass(self, alloc: Alloc, space: SimSpace) -> bool:
        nomad = list(self.nomad_checks.get(alloc.id, {}).values())
        consul = self._consul_for(alloc)
        return all(c.status == "success" for c in nomad) and all(c.status == "passing" for c in consul)

    # ---- nodes -----------------------------------------------------------------------

    def node_goes_away(self, node: Node) -> None:
        """The node stops answering: its allocations turn `unknown`, its checks go critical, and
        the knot agents in them lose their connection to knot, which marks those spaces
        unhealthy (`agent_server/server.go`, knot-api.md §7.3)."""
        node.reachable = False
        node.status = "down"
        for alloc in list(self.allocs.values()):
            if alloc.node is node and alloc.client_status in ("running", "pending"):
                alloc.client_status = "unknown"
                alloc.client_description = "alloc is unknown since its node is disconnected"
                for check in self._consul_for(alloc):
                    self.consul_index += 1
                    check.status, check.output, check.modify_index = (
                        "critical",
                        "Agent not live or unreachable",
                        self.consul_index,
                    )
                self._touch(alloc)
                space = self.world.spaces.get(alloc.space_id)
                if space is not None and space.agent is not None:
                    sim_agent.disconnect(self.world, space)
                    space.agent_lost = True
                    self.world.space_changed(space)

    async def node_goes_away_later(self, node: Node, after: float = NODE_GOES_AWAY_AFTER) -> None:
        await self.world.clock.sleep(after)
        self.node_goes_away(node)

    # ---- logs ------------------------------------------------------------------------

    def fill_logs(self, alloc: Alloc) -> None:
        """Append the lines a running task has written since the last read."""
        now = self.world.clock.now().timestamp()
        scale = self.world.clock.time_scale or 1.0
        running = alloc.client_status == "running"
        for (task, stream), log in alloc.logs.items():
            elapsed = (now - log.filled_at) / scale if scale else 0.0
            log.filled_at = now
            if not running:
                continue
            count = min(200, int(elapsed * log.rate + 0.5))
            for _ in range(count):
                log.line_no += 1
                if stream == "stdout":
                    stamp = go_time(self.world.clock.now())
                    line = f"[{stamp}] {task}: supervisord: heartbeat {log.line_no}"
                else:
                    stamp = go_time(self.world.clock.now())
                    line = f"[{stamp}] {task}: WARNING: pulseaudio not available ({log.line_no})"
                log.data += (line + "\n").encode()

    # ---- queries ---------------------------------------------------------------------

    def job_allocs(self, namespace: str, job_id: str) -> list[Alloc]:
        return [a for a in self.allocs.values() if a.namespace == namespace and a.job_id == job_id]

    def job_summary(self, job: Job) -> dict[str, Any]:
        counts = {
            "Queued": 0,
            "Complete": 0,
            "Failed": 0,
            "Running": 0,
            "Starting": 0,
            "Lost": 0,
            "Unknown": 0,
        }
        for alloc in self.job_allocs(job.namespace, job.id):
            key = {
                "pending": "Starting",
                "running": "Running",
                "complete": "Complete",
                "failed": "Failed",
                "lost": "Lost",
                "unknown": "Unknown",
            }.get(alloc.client_status)
            if key:
                counts[key] += 1
        return {
            "JobID": job.id,
            "Namespace": job.namespace,
            "Summary": {job.group.get("Name", ""): counts},
            "Children": {"Pending": 0, "Running": 0, "Dead": 0},
            "CreateIndex": job.create_index,
            "ModifyIndex": job.modify_index,
        }

    def latest_deployment(self, namespace: str, job_id: str) -> Deployment | None:
        found = [d for d in self.deployments.values() if d.namespace == namespace and d.job_id == job_id]
        return max(found, key=lambda d: d.create_index) if found else None

    def alloc_json(self, alloc: Alloc, *, event: bool = False) -> dict[str, Any]:
        """`GET /v1/allocation/:id`: the stub plus the job and resources, omitempty applied."""
        body = alloc.stub()
        job = self.jobs.get((alloc.namespace, alloc.job_id))
        shared_ports = [dict(p) for p in alloc.ports]
        body.update(
            {
                "DeploymentID": alloc.deployment_id,
                "PreviousAllocation": alloc.previous_allocation,
                "Job": None if event or job is None else job.full(),
                "AllocatedResources": {
                    "Tasks": {
                        t.get("Name", ""): {
                            "Cpu": {
                                "CpuShares": (t.get("Resources") or {}).get("CPU", 100),
                                "ReservedCores": None,
                            },
                            "Memory": {
                                "MemoryMB": (t.get("Resources") or {}).get("MemoryMB", 300),
                                "MemoryMaxMB": 0,
                            },
                            "Networks": None,
                            "Devices": None,
                        }
                        for t in (job.group.get("Tasks") if job else []) or []
                    },
                    "Shared": {
                        "DiskMB": 300,
                        "Networks": [
                            {
                                "Mode": "host",
                                "IP": alloc.node.address,
                                "DynamicPorts": [
                                    {
                                        "Label": p["Label"],
                                        "Value": p["Value"],
                                        "To": p["To"],
                                        "HostNetwork": "default",
                                    }
                                    for p in alloc.ports
                                ],
                            }
                        ]
                        if alloc.ports
                        else None,
                        "Ports": shared_ports or None,
                    },
                },
                "AllocModifyIndex": alloc.modify_index,
                "SigningKeyID": "",
            }
        )
        # go-msgpack's JSON handle honours `omitempty` on structs.Allocation: zero values go.
        return {k: v for k, v in body.items() if v not in (None, "", 0, False, {}, [])}


def _uuid(rng: Any) -> str:
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _capacity(text: Any) -> int:
    """knot's volume sizes: K/M/G are powers of 1024, B or nothing means bytes."""
    value = str(text or "0").strip().upper()
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    if value and value[-1] in units:
        return int(float(value[:-1]) * units[value[-1]])
    return int(float(value.rstrip("B") or 0))
