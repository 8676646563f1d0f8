"""Start the TUI (and, for `--demo`, the simulator beside it)."""

from __future__ import annotations

import sys
from dataclasses import replace

from knot_tui import logsetup
from knot_tui.config import ConsulSettings, NomadSettings, Settings

DEMO_SSH_PASSWORD = "demo"  # noqa: S105 - documented in the README for --demo
DEMO_TIME_SCALE = 0.5


def launch(settings: Settings, *, demo: bool, all_users: bool = False) -> int:
    from knot_tui.ui.app import KnotApp

    sim = None
    if demo:
        from knot_tui.sim import SimulatorOptions
        from knot_tui.sim.thread import SimulatorThread

        sim = SimulatorThread(
            SimulatorOptions(time_scale=DEMO_TIME_SCALE, ssh_password=DEMO_SSH_PASSWORD, vnc_auth=False)
        )
        simulator = sim.start()
        assert simulator.seeded is not None
        settings = replace(
            settings,
            server=simulator.knot_url,
            token=simulator.seeded.admin_token,
            tls_skip_verify=False,
            source="demo",
            demo=True,
            nomad=NomadSettings(addr=simulator.nomad_url, token=simulator.seeded.nomad_management),
            consul=ConsulSettings(addr=simulator.consul_url, token=simulator.seeded.consul_token),
        )
    app = KnotApp(settings, all_users=all_users)
    try:
        app.run()
    finally:
        if sim is not None:
            sim.stop()
    if app.crash_summary:
        print(app.crash_summary, file=sys.stderr)
        print(f"Details are in {logsetup.log_path()}.", file=sys.stderr)
        return 1
    return app.return_code or 0
