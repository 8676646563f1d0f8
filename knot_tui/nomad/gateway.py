"""Nomad's request/response API through python-nomad, run in threads, exposed as async.

python-nomad is synchronous (`requests`) and has no blocking queries, so every call goes
through an endpoint object's `.request()` (which keeps the `X-Nomad-Index` header) on a
dedicated thread pool: blocking queries hold a thread for up to `wait`, and must never
starve the event loop's default executor. Each thread has its own python-nomad instance
and requests session. TLS is verified by default (python-nomad's default is off).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from knot_tui import __version__
from knot_tui.config import NomadSettings
from knot_tui.httpx_tls import context_for
from knot_tui.nomad.errors import NomadError, NomadNotConfigured, NomadUnreachable, classify
from knot_tui.nomad.models import (
    AclToken,
    Allocation,
    CheckResult,
    CSIVolume,
    Deployment,
    Indexed,
    Job,
    Namespace,
    parse,
    parse_checks,
    parse_list,
)
from knot_tui.nomad.tls import TlsConfig

if TYPE_CHECKING:
    import nomad
    from nomad.api.base import Requester
    from nomad.api.exceptions import BaseNomadException

    from knot_tui.nomad.pynomad import Volume, Volumes

T = TypeVar("T")

#: Nomad adds up to wait/16 of jitter; the read timeout must exceed wait * 1.0625.
TIMEOUT_FACTOR = 1.07
TIMEOUT_MARGIN = 5.0
DEFAULT_TIMEOUT = 10.0


def _wait_text(seconds: float) -> str:
    return f"{max(1, int(seconds))}s"


class NomadGateway:
    """Async access to one Nomad cluster with one token."""

    def __init__(self, settings: NomadSettings, *, max_threads: int = 32) -> None:
        if not settings.addr:
            raise NomadNotConfigured(
                "Nomad is not configured",
                "Set NOMAD_ADDR and NOMAD_TOKEN (or --nomad-addr/--nomad-token) "
                "to see allocations and checks.",
            )
        self.settings = settings
        self.tls = TlsConfig.for_nomad(settings)
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="nomad")
        self._local = threading.local()

    @property
    def address(self) -> str:
        return self.settings.addr

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ---- plumbing ------------------------------------------------------------------

    def _client(self) -> tuple[nomad.Nomad, Volume, Volumes]:
        """This thread's python-nomad objects (the first call imports python-nomad)."""
        cached = getattr(self._local, "client", None)
        if cached is None:
            from knot_tui.nomad import pynomad

            session = pynomad.new_session(self.tls.server_name)
            settings = dict(
                address=self.settings.addr,
                token=self.settings.token or None,
                region=self.settings.region or None,
                verify=self.tls.requests_verify,
                cert=self.tls.requests_cert,
                timeout=DEFAULT_TIMEOUT,
                session=session,
            )
            if self.settings.token:
                settings["user_agent"] = f"knot-tui/{__version__}"  # python-nomad needs a token for this
            client = pynomad.new_client(**settings)
            raw = dict(
                address=self.settings.addr,
                token=self.settings.token or None,
                verify=self.tls.requests_verify,
                cert=self.tls.requests_cert,
                timeout=DEFAULT_TIMEOUT,
                session=session,
            )
            cached = (client, pynomad.Volume(**raw), pynomad.Volumes(**raw))
            self._local.client = cached
        return cached

    async def _call(
        self,
        pick: Callable[[nomad.Nomad, Volume, Volumes], Requester],
        *path: str,
        params: dict[str, Any],
        what: str,
        capability: str,
        namespace: str,
        wait: float = 0.0,
    ) -> tuple[Any, int]:
        """One GET in a thread: (decoded JSON, X-Nomad-Index)."""
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT
        if wait > 0:
            timeout = (DEFAULT_TIMEOUT, wait * TIMEOUT_FACTOR + TIMEOUT_MARGIN)

        def run() -> tuple[Any, int]:
            from knot_tui.nomad import pynomad

            try:
                requester = pick(*self._client())
                response = requester.request(*path, method="get", params=dict(params), timeout=timeout)
            except pynomad.BaseNomadException as exc:
                raise self._translate(exc, what=what, capability=capability, namespace=namespace) from None
            except pynomad.requests.RequestException as exc:
                raise NomadUnreachable(
                    f"Cannot reach Nomad at {self.address}: {type(exc).__name__}",
                    "Check NOMAD_ADDR and the network.",
                ) from None
            index = int(response.headers.get("X-Nomad-Index", "0") or 0)
            try:
                data = response.json()
            except (json.JSONDecodeError, ValueError):
                data = None
            return data, index

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, run)
        except RuntimeError as exc:  # the executor was shut down while we waited
            raise NomadUnreachable("The Nomad connection was closed", "") from exc

    def _translate(
        self, exc: BaseNomadException, *, what: str, capability: str, namespace: str
    ) -> NomadError:
        from knot_tui.nomad import pynomad

        response = exc.nomad_resp
        if isinstance(response, pynomad.requests.Response):
            return classify(
                response.status_code,
                response.text,
                what=what,
                capability=capability,
                namespace=namespace,
            )
        detail = type(response).__name__ if response is not None else "error"
        text = str(response)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in detail:
            return NomadUnreachable(
                f"The TLS certificate of Nomad at {self.address} was not accepted",
                "Set NOMAD_CACERT (and NOMAD_TLS_SERVER_NAME), "
                "or NOMAD_SKIP_VERIFY=true on a trusted network.",
            )
        if "Timeout" in detail or "timed out" in text:
            return NomadUnreachable(
                f"Nomad at {self.address} did not answer in time", "Check the network or VPN."
            )
        return NomadUnreachable(
            f"Cannot connect to Nomad at {self.address}",
            "Check NOMAD_ADDR, that Nomad runs, and the VPN.",
        )

    @staticmethod
    def _blocking(params: dict[str, Any], index: int, wait: float) -> float:
        if index > 0 and wait > 0:
            params["index"] = str(index)
            params["wait"] = _wait_text(wait)
            return wait
        return 0.0

    # ---- reads ---------------------------------------------------------------------

    async def token_self(self) -> AclToken:
        data, _ = await self._call(
            lambda n, v, vs: n.acl,
            "token",
            "self",
            params={},
            what="its own token",
            capability="",
            namespace="",
        )
        return parse(AclToken, data)

    async def namespaces(self) -> list[Namespace]:
        data, _ = await self._call(
            lambda n, v, vs: n.namespaces, params={}, what="namespaces", capability="", namespace=""
        )
        return parse_list(Namespace, data)

    async def jobs(
        self, *, namespace: str = "*", prefix: str = "", index: int = 0, wait: float = 0.0
    ) -> Indexed[list[Job]]:
        params: dict[str, Any] = {"namespace": namespace}
        if prefix:
            params["prefix"] = prefix
        waited = self._blocking(params, index, wait)
        data, idx = await self._call(
            lambda n, v, vs: n.jobs,
            params=params,
            what="jobs",
            capability="list-jobs",
            namespace=namespace,
            wait=waited,
        )
        return Indexed(parse_list(Job, data), idx)

    async def job(self, job_id: str, namespace: str, *, index: int = 0, wait: float = 0.0) -> Indexed[Job]:
        params: dict[str, Any] = {"namespace": namespace}
        waited = self._blocking(params, index, wait)
        data, idx = await self._call(
            lambda n, v, vs: n.job,
            job_id,
            params=params,
            what=f"job {job_id}",
            capability="read-job",
            namespace=namespace,
            wait=waited,
        )
        return Indexed(parse(Job, data), idx)

    async def job_allocations(
        self, job_id: str, namespace: str, *, index: int = 0, wait: float = 0.0
    ) -> Indexed[list[Allocation]]:
        params: dict[str, Any] = {"namespace": namespace}
        waited = self._blocking(params, index, wait)
        data, idx = await self._call(
            lambda n, v, vs: n.job,
            job_id,
            "allocations",
            params=params,
            what=f"the allocations of job {job_id}",
            capability="read-job",
            namespace=namespace,
            wait=waited,
        )
        allocs = parse_list(Allocation, data)
        allocs.sort(key=lambda a: -a.create_index)  # newest first, as Nomad's Go client sorts
        return Indexed(allocs, idx)

    async def allocation(
        self, alloc_id: str, namespace: str = "", *, index: int = 0, wait: float = 0.0
    ) -> Indexed[Allocation]:
        params: dict[str, Any] = {}
        if namespace:
            params["namespace"] = namespace
        waited = self._blocking(params, index, wait)
        data, idx = await self._call(
            lambda n, v, vs: n.allocation,
            alloc_id,
            params=params,
            what=f"allocation {alloc_id[:8]}",
            capability="read-job",
            namespace=namespace,
            wait=waited,
        )
        return Indexed(parse(Allocation, data), idx)

    async def job_deployment(
        self, job_id: str, namespace: str, *, index: int = 0, wait: float = 0.0
    ) -> Indexed[Deployment | None]:
        """The latest deployment (`null` when the job has none)."""
        params: dict[str, Any] = {"namespace": namespace}
        waited = self._blocking(params, index, wait)
        data, idx = await self._call(
            lambda n, v, vs: n.job,
            job_id,
            "deployment",
            params=params,
            what=f"the deployment of job {job_id}",
            capability="read-job",
            namespace=namespace,
            wait=waited,
        )
        return Indexed(parse(Deployment, data) if isinstance(data, dict) else None, idx)

    async def job_deployments(self, job_id: str, namespace: str) -> list[Deployment]:
        data, _ = await self._call(
            lambda n, v, vs: n.job,
            job_id,
            "deployments",
            params={"namespace": namespace},
            what=f"the deployments of job {job_id}",
            capability="read-job",
            namespace=namespace,
        )
        return parse_list(Deployment, data)

    async def allocation_checks(self, alloc_id: str, namespace: str = "") -> dict[str, CheckResult]:
        """Nomad-native check results (not blocking: poll ~2 s while someone looks)."""
        params: dict[str, Any] = {"namespace": namespace} if namespace else {}
        data, _ = await self._call(
            lambda n, v, vs: n.client.allocation,
            alloc_id,
            "checks",
            params=params,
            what=f"the checks of allocation {alloc_id[:8]}",
            capability="read-job",
            namespace=namespace,
        )
        return parse_checks(data)

    async def csi_volume(
        self, volume_id: str, namespace: str, *, index: int = 0, wait: float = 0.0
    ) -> Indexed[CSIVolume]:
        params: dict[str, Any] = {"namespace": namespace}
        waited = self._blocking(params, index, wait)
        data, idx = await self._call(
            lambda n, v, vs: v,
            "csi",
            volume_id,
            params=params,
            what=f"CSI volume {volume_id}",
            capability="csi-read-volume",
            namespace=namespace,
            wait=waited,
        )
        return Indexed(parse(CSIVolume, data), idx)

    async def csi_volumes(self, namespace: str, *, prefix: str = "") -> list[CSIVolume]:
        params: dict[str, Any] = {"type": "csi", "namespace": namespace}
        if prefix:
            params["prefix"] = prefix
        data, _ = await self._call(
            lambda n, v, vs: vs,
            params=params,
            what="CSI volumes",
            capability="csi-list-volume",
            namespace=namespace,
        )
        return parse_list(CSIVolume, data)


class NomadStreams:
    """httpx client for what python-nomad cannot stream: task logs and the event stream."""

    def __init__(self, gateway: NomadGateway) -> None:
        self.gateway = gateway
        headers = {"User-Agent": f"knot-tui/{__version__}"}
        if gateway.settings.token:
            headers["X-Nomad-Token"] = gateway.settings.token
        verify = (
            gateway.tls.ssl_context() if gateway.address.startswith("https") else context_for(gateway.address)
        )
        self.http = httpx.AsyncClient(base_url=gateway.address, headers=headers, verify=verify, timeout=10.0)
        self.extensions = gateway.tls.httpx_extensions()

    async def close(self) -> None:
        await self.http.aclose()
