"""Find the Nomad job of a knot space (knot never says which it is).

In order: a per-alias override pattern from the config; the template's own `job "<label>"`
and `namespace = "..."` rendered with knot's variables (knot-api.md section 7.1); if that
needs a variable we cannot know (`.var.*`) or the job is not there, a search of
`/v1/jobs?prefix=` in the namespaces the token may read, matching the task env
`KNOT_SPACEID`. Results are cached per space and template hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knot_tui.knot.models import Space, Template, User
from knot_tui.knot.template_vars import TemplateVarError, render, space_variables
from knot_tui.nomad.errors import NomadError, NomadNotFound, NomadPermissionDenied
from knot_tui.nomad.gateway import NomadGateway

MAX_CANDIDATES = 50


class NotANomadSpace(NomadError):
    """The space's template runs on another platform (docker, podman, manual...)."""


class JobNotFound(NomadError):
    """No job could be found for the space."""


@dataclass(frozen=True)
class JobRef:
    job_id: str
    namespace: str
    #: How it was found: "override", "template" or "search".
    how: str
    #: True when Nomad confirmed the job exists (False: the token may not read it).
    verified: bool = True


@dataclass(frozen=True)
class JobPattern:
    """The job label and namespace expressions of a template (knot syntax, unresolved)."""

    job: str
    namespace: str

    @classmethod
    def from_template(cls, text: str) -> JobPattern | None:
        label = _job_label(text)
        if label is None:
            return None
        head = re.split(r"^\s*group\s", text, maxsplit=1, flags=re.M)[0]
        match = re.search(r'^\s*namespace\s*=\s*"((?:[^"\\\n]|\\.|\$\{\{.*?\}\})*)"', head, re.M)
        return cls(label, match.group(1) if match else "")


def _job_label(text: str) -> str | None:
    """The quoted label of the first top-level `job` block, `${{ }}` actions kept whole."""
    match = re.search(r'^\s*job\s+"', text, re.M)
    if match is None:
        return None
    pos = match.end()
    out = []
    while pos < len(text):
        if text.startswith("${{", pos):
            end = text.find("}}", pos)
            if end == -1:
                return None
            out.append(text[pos : end + 2])
            pos = end + 2
            continue
        ch = text[pos]
        if ch == '"':
            return "".join(out)
        if ch == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if ch == "\n":
            return None
        out.append(ch)
        pos += 1
    return None


def literal_prefix(expression: str) -> str:
    """The text before the first `${{` (what a prefix search can use)."""
    return expression.split("${{", 1)[0]


class JobLocator:
    def __init__(
        self,
        gateway: NomadGateway,
        *,
        override_job: str = "",
        override_namespace: str = "",
        server_url: str = "",
        wildcard_domain: str = "",
        zone: str = "",
    ) -> None:
        self.gateway = gateway
        self.override = JobPattern(override_job, override_namespace) if override_job else None
        self.server_url = server_url
        self.wildcard_domain = wildcard_domain
        self.zone = zone
        self._cache: dict[tuple[str, str], JobRef] = {}

    def forget(self, space_id: str) -> None:
        for key in [k for k in self._cache if k[0] == space_id]:
            del self._cache[key]

    def _data(self, space: Space, template: Template | None, owner: User | None) -> dict[str, object]:
        if owner is not None and owner.user_id != space.user_id:
            owner = None  # `.user.*` is always the space's owner, never the viewer
        return space_variables(
            space_id=space.space_id,
            space_name=space.name,
            user_id=space.user_id,
            username=owner.username if owner else space.username,
            email=owner.email if owner else "",
            timezone=owner.timezone if owner else "",
            template_id=space.template_id,
            template_name=template.name if template else space.template_name,
            server_url=self.server_url,
            wildcard_domain=self.wildcard_domain,
            zone=self.zone or space.zone,
            first_boot=not space.has_ever_started,
            custom={c.name: c.value for c in space.custom_fields},
            variables=None,  # .var.* needs ManageVariables: treat as unknown
        )

    def candidate(
        self, space: Space, template: Template | None = None, owner: User | None = None
    ) -> JobRef | None:
        """The job the override or template names, without asking Nomad (None: cannot tell).

        Cheap enough for every row of the spaces list; `locate` verifies and searches.
        """
        if space.platform and space.platform not in ("nomad", "unknown"):
            return None
        pattern = self.override
        how = "override"
        if pattern is None:
            pattern = JobPattern.from_template(template.job) if template and template.job else None
            how = "template"
        if pattern is None:
            return None
        data = self._data(space, template, owner)
        try:
            job_id = render(pattern.job, data, strict=True)
            namespace = render(pattern.namespace, data, strict=True) if pattern.namespace else ""
        except TemplateVarError:
            return None
        return JobRef(job_id, namespace or "default", how, verified=False)

    async def locate(
        self, space: Space, template: Template | None = None, owner: User | None = None
    ) -> JobRef:
        if space.platform and space.platform not in ("nomad", "unknown"):
            raise NotANomadSpace(
                f"{space.name} runs on {space.platform}, not Nomad",
                "Nomad allocations and checks exist only for spaces from Nomad templates.",
            )
        key = (space.space_id, template.hash if template else "")
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = await self._locate(space, template, owner)
        self._cache[key] = found
        return found

    async def _locate(self, space: Space, template: Template | None, owner: User | None) -> JobRef:
        data = self._data(space, template, owner)
        patterns: list[tuple[str, JobPattern]] = []
        if self.override is not None:
            patterns.append(("override", self.override))
        from_template = JobPattern.from_template(template.job) if template and template.job else None
        if from_template is not None:
            patterns.append(("template", from_template))
        prefixes: list[str] = []
        namespaces: list[str] = []
        denied: NomadPermissionDenied | None = None
        for how, pattern in patterns:
            try:
                job_id = render(pattern.job, data, strict=True)
                namespace = render(pattern.namespace, data, strict=True) if pattern.namespace else "default"
            except TemplateVarError:
                prefixes.append(literal_prefix(pattern.job))
                if pattern.namespace and "${{" not in pattern.namespace:
                    namespaces.append(pattern.namespace)
                continue
            namespace = namespace or "default"
            namespaces.append(namespace)
            try:
                job = (await self.gateway.job(job_id, namespace)).value
            except NomadPermissionDenied as exc:
                denied = exc
                return JobRef(job_id, namespace, how, verified=False)
            except NomadNotFound:
                prefixes.append(literal_prefix(pattern.job))
                continue
            spaceid = job.env_value("KNOT_SPACEID")
            if not spaceid or spaceid == space.space_id:
                return JobRef(job.id or job_id, job.namespace or namespace, how)
        # Narrow prefixes first; the empty prefix (every job) is the last resort.
        return await self._search(space, [*prefixes, space.name, ""], namespaces, denied)

    async def _search(
        self,
        space: Space,
        prefixes: list[str],
        hinted: list[str],
        denied: NomadPermissionDenied | None,
    ) -> JobRef:
        try:
            readable = [n.name for n in await self.gateway.namespaces()]
        except NomadError:
            readable = []
        namespaces = list(dict.fromkeys([*hinted, *readable, space.username, "default"]))
        examined = 0
        seen: set[tuple[str, str]] = set()
        for namespace in namespaces:
            for prefix in dict.fromkeys(prefixes):
                if examined >= MAX_CANDIDATES:
                    break
                try:
                    stubs = (await self.gateway.jobs(namespace=namespace, prefix=prefix)).value
                except NomadPermissionDenied as exc:
                    denied = denied or exc
                    break
                except NomadNotFound:
                    continue
                stubs.sort(key=lambda j: (space.name not in j.id, j.id))
                for stub in stubs:
                    if examined >= MAX_CANDIDATES:
                        break
                    key = (stub.namespace or namespace, stub.id)
                    if key in seen:
                        continue
                    seen.add(key)
                    examined += 1
                    try:
                        job = (await self.gateway.job(stub.id, stub.namespace or namespace)).value
                    except NomadError:
                        continue
                    if job.env_value("KNOT_SPACEID") == space.space_id:
                        return JobRef(job.id, job.namespace or namespace, "search")
        if denied is not None:
            raise denied
        raise JobNotFound(
            f"No Nomad job found for space {space.name} "
            f"(searched {examined} jobs in {len(namespaces)} namespaces)",
            "A stopped space's job may have been garbage-collected. If your templates name jobs "
            'differently, set [alias.<name>.nomad] job = "..." in knot-tui\'s config.',
        )
