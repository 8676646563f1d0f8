"""Nomad (python-nomad and httpx streams) and Consul health; the space-to-job locator.

Nothing in this package imports Textual.
"""
