"""Nomad and Consul failures as typed errors that name the missing capability or the cause.

Nomad answers errors in plain text and does not always use the status you would expect:
an alloc the token may not read is a 500 `Unknown allocation "<id>"`, a server-side ACL
failure on a log stream is a 500 `Permission denied`, a node that is gone is a 404 `No
path to node` (nomad-api.md sections 1.4, 1.7, 1.11, 3). Match on text as well as status.
"""

from __future__ import annotations

from knot_tui.text import plain, shorten


class NomadError(Exception):
    """Base for every Nomad/Consul failure: what happened and what to do."""

    def __init__(self, message: str, remedy: str = "", *, status: int = 0, body: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        self.status = status
        self.body = body

    def __str__(self) -> str:
        return f"{self.message}. {self.remedy}" if self.remedy else self.message


class NomadNotConfigured(NomadError):
    """No Nomad (or Consul) address is configured."""


class NomadUnreachable(NomadError):
    """Connection refused, DNS, TLS or timeout."""


class NomadPermissionDenied(NomadError):
    """The token lacks a capability in a namespace (or is unknown)."""

    def __init__(
        self, message: str, remedy: str, *, capability: str, namespace: str, status: int, body: str
    ) -> None:
        super().__init__(message, remedy, status=status, body=body)
        self.capability = capability
        self.namespace = namespace


class NomadNotFound(NomadError):
    """The job, allocation, deployment or volume does not exist (any more)."""


class NomadNoPathToNode(NomadError):
    """The client node running the allocation cannot be reached by the servers."""


class NomadBadRequest(NomadError):
    pass


class NomadServerError(NomadError):
    pass


def classify(
    status: int,
    body: str,
    *,
    what: str,
    capability: str = "",
    namespace: str = "",
    service: str = "Nomad",
) -> NomadError:
    """Turn a status and a (plain-text) body into the right error with a remedy."""
    text = shorten(plain(body.strip()), 300)
    low = text.lower()
    if service == "Consul":
        if status == 403 or "acl not found" in low or "permission denied" in low:
            return NomadPermissionDenied(
                f"Consul refused the token reading {what}",
                "Set CONSUL_HTTP_TOKEN to a token with service:read and node:read.",
                capability="service:read",
                namespace=namespace,
                status=status,
                body=text,
            )
        return NomadServerError(
            f"Consul failed reading {what}: {text or status}",
            "Retry shortly.",
            status=status,
            body=text,
        )
    if "no path to node" in low:
        return NomadNoPathToNode(
            f"The Nomad client node running this allocation is unreachable ({text})",
            "The node may be down or partitioned; its allocations show as unknown until it returns.",
            status=status,
            body=text,
        )
    if (
        status == 403
        or "permission denied" in low
        or "acl token not found" in low
        or ("unknown allocation" in low and status == 500)
    ):
        if "acl token not found" in low:
            return NomadPermissionDenied(
                "Nomad does not know this token (ACL token not found)",
                "Check NOMAD_TOKEN (or --nomad-token): it may be expired or for another cluster.",
                capability=capability,
                namespace=namespace,
                status=status,
                body=text,
            )
        where = f"namespace {namespace}" if namespace else "this namespace"
        needs = f"the {capability} capability" if capability else "a read capability"
        return NomadPermissionDenied(
            f"Your Nomad token cannot read {what} in {where}: it needs {needs}",
            f"Ask a Nomad operator for a policy granting {capability or 'read-job'} in {where}, "
            "or use a token that has it.",
            capability=capability,
            namespace=namespace,
            status=status,
            body=text,
        )
    if status == 404 or "not found" in low or "unknown allocation" in low:
        return NomadNotFound(
            f"Nomad has no {what} ({text or 'not found'})",
            "It may have been stopped and garbage-collected.",
            status=status,
            body=text,
        )
    if status == 400:
        return NomadBadRequest(
            f"Nomad rejected the request for {what}: {text}",
            "This is probably a knot-tui bug: please report it.",
            status=status,
            body=text,
        )
    return NomadServerError(
        f"Nomad failed reading {what}: {text or status}",
        "Retry shortly; check the Nomad servers if it persists.",
        status=status,
        body=text,
    )
