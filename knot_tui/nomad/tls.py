"""TLS for Nomad and Consul from the standard environment, verified by default.

python-nomad verifies nothing unless asked (nomad-api.md section 5.2) and ignores
NOMAD_CACERT, NOMAD_SKIP_VERIFY and NOMAD_TLS_SERVER_NAME; this module turns them into the
arguments requests (python-nomad) and httpx (streams) need.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

from knot_tui.config import ConsulSettings, NomadSettings


@dataclass(frozen=True)
class TlsConfig:
    verify: bool = True
    ca_file: str = ""
    ca_path: str = ""
    client_cert: str = ""
    client_key: str = ""
    server_name: str = ""

    @classmethod
    def for_nomad(cls, settings: NomadSettings) -> TlsConfig:
        return cls(
            verify=not settings.skip_verify,
            ca_file=settings.cacert,
            ca_path=settings.capath,
            client_cert=settings.client_cert if settings.client_key else "",
            client_key=settings.client_key if settings.client_cert else "",
            server_name=settings.tls_server_name,
        )

    @classmethod
    def for_consul(cls, settings: ConsulSettings) -> TlsConfig:
        return cls(verify=settings.ssl_verify, ca_file=settings.cacert)

    # ---- requests (python-nomad) --------------------------------------------------------

    @property
    def requests_verify(self) -> bool | str:
        if not self.verify:
            return False
        return self.ca_file or self.ca_path or True

    @property
    def requests_cert(self) -> tuple[str, str] | tuple[()]:
        return (self.client_cert, self.client_key) if self.client_cert else ()

    # ---- httpx (streams) ----------------------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext | bool:
        if not self.verify:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif self.ca_file or self.ca_path:
            context = ssl.create_default_context(cafile=self.ca_file or None, capath=self.ca_path or None)
        else:
            context = ssl.create_default_context()
        if self.client_cert:
            context.load_cert_chain(self.client_cert, self.client_key)
        return context

    def httpx_extensions(self) -> dict[str, Any]:
        """Per-request extensions: the TLS server name to verify against (SNI)."""
        return {"sni_hostname": self.server_name} if self.server_name else {}
