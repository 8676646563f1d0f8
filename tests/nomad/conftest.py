"""Nomad fixtures live in tests/conftest.py (shared with the simulator tests)."""

from ..conftest import GatewayFactory

__all__ = ["GatewayFactory"]
