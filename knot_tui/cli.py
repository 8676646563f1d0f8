"""The `knot-tui` command: the TUI, `--demo`, the simulator and the scripting commands.

Exit codes: 0 ok, 1 refused or failed, 2 usage. No traceback ever reaches the terminal:
unexpected errors are summarised and the details go to the log file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shlex
import signal
import sys
from collections.abc import Sequence
from typing import Any

from knot_tui import __version__
from knot_tui.config import ConfigError, Flags, Settings, resolve

log = logging.getLogger("knot_tui")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input discovered after parsing (exit 2)."""


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535)")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{value} is out of range (0-1000000)")
    return value


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{value} is out of range (0-1000)")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{value} is not a fraction (0-1)")
    return value


def _global_flags(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The connection flags, accepted before or after a subcommand."""
    default: Any = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("connection")
    group.add_argument("--server", metavar="URL", default=default, help="knot server address (with --token)")
    group.add_argument("--token", metavar="TOKEN", default=default, help="knot API token (with --server)")
    group.add_argument(
        "--alias",
        metavar="NAME",
        default=default,
        help="connection alias in knot.toml (default: default)",
    )
    group.add_argument(
        "--config",
        "-c",
        metavar="FILE",
        default=default,
        help="knot config file name to search for, or a path (default: knot.toml)",
    )
    group.add_argument(
        "--tls-skip-verify",
        action="store_true",
        default=default,
        help="do not verify the knot server's TLS certificate (verified by default)",
    )
    group.add_argument("--nomad-addr", metavar="URL", default=default, help="Nomad address (NOMAD_ADDR)")
    group.add_argument("--nomad-token", metavar="TOKEN", default=default, help="Nomad token (NOMAD_TOKEN)")
    group.add_argument(
        "--nomad-namespace", metavar="NS", default=default, help="Nomad namespace (NOMAD_NAMESPACE)"
    )
    group.add_argument(
        "--read-only",
        action="store_true",
        default=default,
        help="refuse every action that would change anything",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="knot-tui",
        description="A terminal UI for knot cloud desktops running on HashiCorp Nomad.",
        epilog="Try it without a server: knot-tui --demo",
    )
    parser.add_argument("--version", action="version", version=f"knot-tui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run on the embedded simulator, signed in as its admin (no server needed)",
    )
    parser.add_argument(
        "-A",
        "--all-users",
        action="store_true",
        help="open the ops view: every user's spaces (needs knot's Manage Spaces permission)",
    )
    _global_flags(parser, suppress=False)
    shared = argparse.ArgumentParser(add_help=False)
    _global_flags(shared, suppress=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sim = commands.add_parser(
        "sim",
        help="run the simulator alone (knot, Nomad, Consul) and print export lines",
        description=(
            "Serve a simulated knot + Nomad + Consul installation in the foreground. The first "
            "lines on stdout are shell exports (KNOT_SERVER, KNOT_TOKEN, NOMAD_ADDR, ...); then "
            'stdout is closed, so `eval "$(knot-tui sim &)"` works. Stops on Ctrl-C or SIGTERM.'
        ),
    )
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sim.add_argument("--knot-port", type=_port, default=0, metavar="N", help="knot port (0 = a free port)")
    sim.add_argument("--nomad-port", type=_port, default=0, metavar="N", help="Nomad port (0 = a free port)")
    sim.add_argument(
        "--consul-port", type=_port, default=0, metavar="N", help="Consul port (0 = a free port)"
    )
    sim.add_argument("--spaces", type=_count, default=0, metavar="N", help="seed this many spaces in total")
    sim.add_argument("--users", type=_count, default=0, metavar="N", help="seed this many users in total")
    sim.add_argument(
        "--time-scale",
        type=_scale,
        default=1.0,
        metavar="X",
        help="multiply simulated durations by X (0.1 = ten times faster; default 1)",
    )
    sim.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (same seed, same world)")
    sim.add_argument(
        "--ssh-password",
        default=None,
        metavar="PW",
        help="also accept this password for SSH into any simulated space",
    )
    from knot_tui.commands import parsers

    for add in (parsers.add_create, parsers.add_forward, parsers.add_ssh_config, parsers.add_vnc):
        add(commands, [shared])
    sim.add_argument(
        "--vnc-auth",
        action="store_true",
        help="ask for knot's web session on VNC pages, as knot >= 0.30.1 does",
    )
    sim.add_argument(
        "--latency", type=_scale, default=0.0, metavar="S", help="delay every response by S seconds"
    )
    sim.add_argument(
        "--error-rate",
        type=_fraction,
        default=0.0,
        metavar="P",
        help="answer this fraction of requests with a 500",
    )
    return parser


def flags_from(args: argparse.Namespace) -> Flags:
    return Flags(
        server=getattr(args, "server", None),
        token=getattr(args, "token", None),
        alias=getattr(args, "alias", None),
        config=getattr(args, "config", None),
        tls_skip_verify=True if getattr(args, "tls_skip_verify", None) else None,
        nomad_addr=getattr(args, "nomad_addr", None),
        nomad_token=getattr(args, "nomad_token", None),
        nomad_namespace=getattr(args, "nomad_namespace", None),
        read_only=bool(getattr(args, "read_only", False)),
    )


# ---- commands ----------------------------------------------------------------------------


def _print_err(message: str, remedy: str = "") -> None:
    from knot_tui.text import plain

    print(f"knot-tui: {plain(message)}", file=sys.stderr)
    if remedy:
        print(f"  {plain(remedy)}", file=sys.stderr)


def run_sim(args: argparse.Namespace) -> int:
    from knot_tui.sim import Simulator, SimulatorOptions

    options = SimulatorOptions(
        host=args.host,
        knot_port=args.knot_port,
        nomad_port=args.nomad_port,
        consul_port=args.consul_port,
        spaces=args.spaces,
        users=args.users,
        time_scale=args.time_scale,
        seed=args.seed,
        ssh_password=args.ssh_password,
        latency=args.latency,
        error_rate=args.error_rate,
        vnc_auth=args.vnc_auth,
    )

    async def serve() -> None:
        sim = Simulator(options)
        try:
            await sim.start()
        except OSError as exc:
            raise ConfigError(f"cannot listen on {options.host}: {exc.strerror or exc}") from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            for key, value in sim.exports().items():
                print(f"export {key}={shlex.quote(value)}")
            sys.stdout.flush()
            # Close stdout so `eval "$(knot-tui sim &)"` sees EOF and returns.
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            seeded = sim.seeded
            assert seeded is not None
            print(
                f"knot-tui sim: knot at {sim.knot_url} ({len(sim.world.live_spaces())} spaces, "
                f"{len(sim.world.users)} users), Nomad at {sim.nomad_url}, Consul at "
                f"{sim.consul_url}.\n  Accounts: admin@knot.test, alice@knot.test, bob@knot.test "
                f"(password {sim.demo_password!r}); knot tokens: alice {seeded.alice_token}, "
                f"bob {seeded.bob_token}.\n  Nomad tokens: management (exported), alice "
                f"{seeded.nomad_alice}, bob {seeded.nomad_bob}, no access {seeded.nomad_nobody}."
                "\n  Chaos at run time: POST /_sim/chaos on the knot port (admin token). "
                "Ctrl-C stops.",
                file=sys.stderr,
                flush=True,
            )
            await stop.wait()
        finally:
            await sim.stop()

    asyncio.run(serve())
    return EXIT_OK


def run_tui(settings: Settings, *, demo: bool, all_users: bool = False) -> int:
    from knot_tui.ui.launch import launch

    return launch(settings, demo=demo, all_users=all_users)


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "sim":
        return run_sim(args)
    settings = resolve(flags_from(args))
    from knot_tui import logsetup

    for secret in (settings.token, settings.nomad.token, settings.consul.token):
        logsetup.add_secret(secret)
    for warning in settings.warnings:
        _print_err(warning)
    if args.command is None:
        return run_tui(settings, demo=bool(args.demo), all_users=bool(args.all_users))
    if args.command == "create":
        from knot_tui.commands import create

        return create.run(settings, args)
    if args.command == "forward":
        from knot_tui.commands import forward

        return forward.run(settings, args)
    if args.command == "ssh-config":
        from knot_tui.commands import ssh_config

        return ssh_config.run(settings, args)
    if args.command == "vnc":
        from knot_tui.commands import vnc

        return vnc.run(settings, args)
    raise UsageError(f"unknown command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with a usage message on bad input
    from knot_tui import logsetup
    from knot_tui.knot.errors import KnotError

    with contextlib.suppress(OSError):  # a read-only home must not stop the tool
        logsetup.setup(logging.DEBUG if os.environ.get("KNOT_TUI_DEBUG") else logging.INFO)
    try:
        return dispatch(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        _print_err(str(exc))
        return EXIT_USAGE
    except ConfigError as exc:
        _print_err(str(exc), "Fix the setting or the file, then run knot-tui again.")
        return EXIT_FAILED
    except KnotError as exc:
        _print_err(exc.message, exc.remedy)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    except Exception as exc:  # the last line of defence: summarise, log the details
        log.exception("unexpected error")
        _print_err(
            logsetup.redact(f"unexpected error: {type(exc).__name__}: {exc}"),
            f"Details are in {logsetup.log_path()}; please report them.",
        )
        return EXIT_FAILED


def entry() -> None:
    """The `knot-tui` script: `main`, then exit at once.

    Nomad blocking queries hold worker threads for up to their `wait` (a minute), and Python
    joins every worker thread before it exits: quitting would hang until the last long-poll
    returns. Nothing is left to do once `main` has returned, so flush and leave.
    """
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
