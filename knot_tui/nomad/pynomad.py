"""python-nomad and `requests`, imported only when the first Nomad request is made.

Importing python-nomad (with requests, urllib3 and charset_normalizer) costs ~80 ms; the
gateway imports this module from its worker threads, so the UI paints before paying for it.
"""

from __future__ import annotations

from typing import Any

import nomad
import requests
from nomad.api.base import Requester
from nomad.api.exceptions import BaseNomadException
from requests.adapters import HTTPAdapter

__all__ = [
    "BaseNomadException",
    "Requester",
    "Volume",
    "Volumes",
    "new_client",
    "new_session",
    "requests",
]


class Volume(Requester):
    ENDPOINT = "volume"


class Volumes(Requester):
    ENDPOINT = "volumes"


class ServerNameAdapter(HTTPAdapter):
    """Verify the certificate against NOMAD_TLS_SERVER_NAME (e.g. server.global.nomad)."""

    def __init__(self, server_name: str) -> None:
        self._server_name = server_name
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self._server_name
        kwargs["assert_hostname"] = self._server_name
        super().init_poolmanager(*args, **kwargs)


def new_session(server_name: str = "") -> requests.Session:
    session = requests.Session()
    if server_name:
        session.mount("https://", ServerNameAdapter(server_name))
    return session


def new_client(**settings: Any) -> nomad.Nomad:
    return nomad.Nomad(**settings)
