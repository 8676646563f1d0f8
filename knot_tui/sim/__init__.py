"""The embedded simulator: knot, Nomad and Consul wire formats on loopback.

`Simulator` starts real aiohttp servers on free ports around one shared `World`. It backs
`knot-tui --demo`, `knot-tui sim` and the test suite. Nothing in it imports Textual.
"""

from knot_tui.sim.server import Simulator, SimulatorOptions

__all__ = ["Simulator", "SimulatorOptions"]
