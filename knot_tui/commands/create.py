"""`knot-tui create NAME --template T`: create (and start, and wait for) a space, for scripts.

The same validation as the form: knot's name rule, your existing names, a known active
template, known custom fields. With `--wait` it returns when the space runs with its agent
connected (exit 0), or when it fails: stopped again, or (with Nomad configured) a failed
allocation, or the timeout (exit 1). The space id goes to stdout; progress to stderr.
A running space whose Nomad job carries the old `/ping` check gets a warning (still exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from knot_tui.config import Settings
from knot_tui.diagnose import STALE_PING, allocation_failure, stale_ping_check
from knot_tui.knot.client import KnotClient
from knot_tui.knot.errors import KnotError, KnotNotFound
from knot_tui.knot.events import event_feed
from knot_tui.knot.feed_items import FeedAuthRequired, FeedConnected, SpaceChanged, SpaceDeleted
from knot_tui.knot.models import (
    SHELLS,
    CustomFieldValue,
    Space,
    SpaceRequest,
    SpaceState,
    Template,
    name_problem,
)
from knot_tui.monitor import ALLOCATION, JOB, PaneData, PaneProblem, SpaceMonitor
from knot_tui.services import Services
from knot_tui.text import plain

EXIT_OK, EXIT_FAILED = 0, 1
#: Seconds to wait, once knot says the space runs, for Nomad's job (to check its health checks).
JOB_GRACE = 3.0


class Refused(Exception):
    """Input knot would refuse (or a failure while waiting): exit 1 with this message."""


def say(message: str) -> None:
    print(f"knot-tui: {plain(message)}", file=sys.stderr, flush=True)


def find_template(templates: list[Template], wanted: str) -> Template:
    low = wanted.lower()
    found = next((t for t in templates if t.template_id == wanted or t.name.lower() == low), None)
    if found is None:
        names = ", ".join(sorted(t.name for t in templates if t.active)) or "none"
        raise Refused(f"no template named {wanted!r} (available: {names})")
    if not found.active:
        raise Refused(f"template {found.name!r} is inactive: choose another")
    return found


async def build_request(knot: KnotClient, args: argparse.Namespace) -> tuple[SpaceRequest, Template]:
    problem = name_problem(args.name)
    if problem:
        raise Refused(f"invalid name {args.name!r}: {problem}")
    if len(args.description.encode()) > 1024:
        raise Refused("the description is longer than 1024 bytes")
    me, spaces = await knot.my_spaces()
    if any(s.user_id == me.user_id and s.name.lower() == args.name.lower() for s in spaces):
        raise Refused(f"you already have a space named {args.name!r}")
    template = find_template(await knot.templates(), args.template)
    known = {f.name for f in template.custom_fields}
    unknown = [k for k, _ in args.field if k not in known]
    if unknown:
        valid = ", ".join(sorted(known)) or "none"
        raise Refused(f"template {template.name!r} has no custom field {unknown[0]!r} (fields: {valid})")
    shell = args.shell or (me.preferred_shell if me.preferred_shell in SHELLS else "bash")
    request = SpaceRequest(
        name=args.name,
        template_id=template.template_id,
        description=args.description,
        shell=shell,
        custom_fields=[CustomFieldValue(k, v) for k, v in args.field],
    )
    return request, template


def _running(space: Space) -> bool:
    return space.state is SpaceState.RUNNING and space.has_state


async def wait_for_space(services: Services, space_id: str, template: Template) -> list[str]:
    """Return when the space runs with its agent (with warnings about it, if any); raise
    `Refused` when it fails."""
    knot = services.knot
    failure: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    warnings: list[str] = []
    job_read = asyncio.Event()

    async def watch_nomad() -> None:
        space = await knot.get_space(space_id)
        details = await knot.template(template.template_id)
        async for item in SpaceMonitor(services, space, details).run():
            if isinstance(item, PaneData | PaneProblem) and item.pane == JOB:
                if isinstance(item, PaneData) and stale_ping_check(item.value) and STALE_PING not in warnings:
                    warnings.append(STALE_PING)
                job_read.set()  # read, or refused (a 403 is no reason to wait)
            if isinstance(item, PaneData) and item.pane == ALLOCATION:
                reason = allocation_failure(item.value)
                if reason and not failure.done():
                    failure.set_result(
                        f"Nomad allocation {item.value.short_id} {item.value.client_status}: {reason}"
                    )
                    return

    async def watch_knot() -> None:
        last = ""
        seen_starting = False
        async for item in event_feed(knot):
            if isinstance(item, FeedAuthRequired):
                raise Refused(item.reason)
            if isinstance(item, FeedConnected) or (
                isinstance(item, SpaceChanged | SpaceDeleted) and item.space_id == space_id
            ):
                try:
                    space = await knot.get_space(space_id)
                except KnotNotFound:
                    raise Refused("the space was deleted while starting") from None
                label = space.state_label + (", agent connected" if space.has_state else "")
                if label != last:
                    say(f"{space.name}: {label}")
                    last = label
                seen_starting |= space.state is not SpaceState.STOPPED
                if _running(space):
                    return
                if seen_starting and space.state is SpaceState.STOPPED:
                    raise Refused(f"{space.name} stopped again before it ran")

    tasks = [asyncio.ensure_future(watch_knot())]
    if services.nomad is not None and template.platform == "nomad":
        tasks.append(asyncio.ensure_future(watch_nomad()))
    waiter = asyncio.ensure_future(_first(tasks[0], failure))
    try:
        await waiter
        if len(tasks) > 1:  # knot said "running": Nomad's job is read by now, or soon
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(job_read.wait(), JOB_GRACE)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return warnings


async def _first(knot_task: asyncio.Future[None], failure: asyncio.Future[str]) -> None:
    done, _ = await asyncio.wait({knot_task, failure}, return_when=asyncio.FIRST_COMPLETED)
    if failure in done:
        raise Refused(failure.result())
    knot_task.result()


async def create(settings: Settings, args: argparse.Namespace) -> int:
    if settings.read_only:
        say("refused: --read-only")
        return EXIT_FAILED
    services = Services.build(settings)
    try:
        request, template = await build_request(services.knot, args)
        space_id = await services.knot.create_space(request)
        print(space_id, flush=True)
        say(f"created {request.name} from {template.name} ({space_id})")
        if not args.start:
            return EXIT_OK
        await services.knot.start_space(space_id)
        say(f"starting {request.name}")
        if args.wait:
            try:
                warnings = await asyncio.wait_for(wait_for_space(services, space_id, template), args.timeout)
            except TimeoutError:
                raise Refused(f"{request.name} did not run within {args.timeout:.0f} s") from None
            say(f"{request.name} is running")
            for warning in warnings:
                say(f"warning: {warning}")
        return EXIT_OK
    except Refused as exc:
        say(f"refused: {exc}")
        return EXIT_FAILED
    except KnotError as exc:
        say(f"{exc.message}. {exc.remedy}".rstrip(". ") + ".")
        return EXIT_FAILED
    finally:
        await services.close()


def run(settings: Settings, args: argparse.Namespace) -> int:
    if not (settings.server and settings.token):
        say(
            "no knot server configured: run `knot connect`, set KNOT_SERVER and KNOT_TOKEN, "
            "or pass --server/--token"
        )
        return EXIT_FAILED
    return asyncio.run(create(settings, args))
