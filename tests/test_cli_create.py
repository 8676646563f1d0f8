"""`knot-tui create` for scripts: validation, --no-start, --wait (success and failure)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from knot_tui.cli import main
from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.thread import SimulatorThread

from .conftest import broken_image_template


@pytest.fixture
def sim_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    thread = SimulatorThread(SimulatorOptions(time_scale=0.02))
    with thread as sim:
        monkeypatch.setenv("KNOT_SERVER", sim.knot_url)
        monkeypatch.setenv("KNOT_TOKEN", sim.seeded.alice_token)
        monkeypatch.setenv("NOMAD_ADDR", sim.nomad_url)
        monkeypatch.setenv("NOMAD_TOKEN", sim.seeded.nomad_alice)
        yield thread


@pytest.fixture
def running_sim(sim_thread: SimulatorThread) -> Simulator:
    return sim_thread.sim


def _named(sim: Simulator, name: str):  # type: ignore[no-untyped-def]
    return next(s for s in sim.world.live_spaces() if s.name == name)


def test_no_start_prints_the_id(running_sim: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create", "later", "--template", "debian dev", "--no-start", "--field", "git_repo=x"]) == 0
    out, err = capsys.readouterr()
    space = _named(running_sim, "later")
    assert out.strip() == space.space_id and "created later from Debian Dev" in err
    assert not space.is_pending and not space.is_deployed and space.shell == "zsh"


def test_wait_until_running(running_sim: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["create", "waited", "--template", "Debian Dev", "--shell", "fish", "--wait", "--timeout", "60"])
        == 0
    )
    _, err = capsys.readouterr()
    space = _named(running_sim, "waited")
    assert space.is_deployed and space.agent is not None and space.shell == "fish"
    assert "waited is running" in err and "agent connected" in err


def test_wait_warns_about_the_old_ping_check(
    running_sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The docs' Ubuntu Desktop runs, but its /ping check can never pass: said, exit still 0."""
    assert main(["create", "docs-desk", "--template", "Ubuntu Desktop", "--wait", "--timeout", "60"]) == 0
    _, err = capsys.readouterr()
    assert "docs-desk is running" in err
    assert "warning: This check calls /ping on port 3000" in err
    assert main(["create", "plain-dev", "--template", "Debian Dev", "--wait", "--timeout", "60"]) == 0
    _, err = capsys.readouterr()
    assert "plain-dev is running" in err and "warning" not in err


def test_wait_reports_a_failed_allocation(
    sim_thread: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    running_sim = sim_thread.sim
    broken = broken_image_template(running_sim.world)
    sim_thread.run_sync(lambda: running_sim.world.templates.__setitem__(broken.template_id, broken))
    assert main(["create", "doomed", "--template", "Broken Image", "--wait", "--timeout", "60"]) == 1
    _, err = capsys.readouterr()
    assert "refused: Nomad allocation" in err and "manifest unknown" in err


def test_wait_times_out_without_nomad(
    sim_thread: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOMAD_ADDR")
    sim_thread.run_sync(lambda: setattr(sim_thread.sim.world.clock, "time_scale", 100.0))  # now it takes ages
    assert main(["create", "slowpoke", "--template", "Debian Dev", "--wait", "--timeout", "1"]) == 1
    assert "did not run within 1 s" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["create", "1bad", "--template", "Debian Dev"], 1, "must start with a letter"),
        (["create", "desk", "--template", "Debian Dev"], 1, "already have a space named 'desk'"),
        (["create", "new", "--template", "Legacy Desktop"], 1, "inactive"),
        (["create", "new", "--template", "nope"], 1, "no template named 'nope'"),
        (
            ["create", "new", "--template", "Debian Dev", "--field", "colour=red"],
            1,
            "no custom field 'colour'",
        ),
        (["create", "new", "--template", "Debian Dev", "--field", "novalue"], 2, "is not KEY=VALUE"),
        (["create", "new", "--template", "Debian Dev", "--shell", "csh"], 2, "invalid choice"),
        (["create", "new"], 2, "--template"),
        (["create", "new", "--template", "Debian Dev", "--read-only"], 1, "--read-only"),
    ],
)
def test_refusals_and_usage(
    running_sim: Simulator, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    with pytest.raises(SystemExit) if code == 2 else _nothing() as exited:
        assert main(args) == code
    if code == 2:
        assert exited.value.code == 2
    assert message in capsys.readouterr().err


class _nothing:
    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc: object) -> bool:
        return False
