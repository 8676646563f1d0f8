"""TLS to Nomad is verified by default and honours NOMAD_CACERT / TLS_SERVER_NAME / SKIP_VERIFY.

The simulator serves Nomad over HTTPS with a certificate issued by a test CA for
`server.global.nomad` only (as Nomad's own certificates are), not for 127.0.0.1.
"""

from __future__ import annotations

import datetime
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from knot_tui.config import NomadSettings, resolve
from knot_tui.nomad.errors import NomadUnreachable
from knot_tui.nomad.gateway import NomadGateway, NomadStreams
from knot_tui.nomad.logs import LogData, follow_task_logs
from knot_tui.sim import Simulator, SimulatorOptions


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "knot-tui test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "server.global.nomad")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("server.global.nomad")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server-key.pem",
    )
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@pytest.fixture
async def tls_sim(tmp_path: Path) -> AsyncIterator[tuple[Simulator, Path]]:
    ca, cert, key = _certificates(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    async with Simulator(SimulatorOptions(time_scale=0.01), ssl_context=context) as sim:
        assert sim.nomad_url.startswith("https://127.0.0.1:")
        yield sim, ca


async def _whoami(settings: NomadSettings) -> str:
    gateway = NomadGateway(settings)
    try:
        return (await gateway.token_self()).type
    finally:
        await gateway.close()


async def test_verified_by_default(tls_sim: tuple[Simulator, Path]) -> None:
    sim, _ = tls_sim
    with pytest.raises(NomadUnreachable, match="TLS certificate of Nomad"):
        await _whoami(NomadSettings(addr=sim.nomad_url, token=sim.seeded.nomad_management))


async def test_cacert_alone_still_checks_the_name(tls_sim: tuple[Simulator, Path]) -> None:
    sim, ca = tls_sim
    with pytest.raises(NomadUnreachable, match="TLS certificate"):
        await _whoami(NomadSettings(addr=sim.nomad_url, token=sim.seeded.nomad_management, cacert=str(ca)))


async def test_cacert_and_server_name_from_the_environment(tls_sim: tuple[Simulator, Path]) -> None:
    sim, ca = tls_sim
    env = {
        "NOMAD_ADDR": sim.nomad_url,
        "NOMAD_TOKEN": sim.seeded.nomad_management,
        "NOMAD_CACERT": str(ca),
        "NOMAD_TLS_SERVER_NAME": "server.global.nomad",
    }
    settings = resolve(env=env).nomad
    assert await _whoami(settings) == "management"
    # the httpx streams verify the same way
    gateway = NomadGateway(settings)
    streams = NomadStreams(gateway)
    space = next(s for s in sim.world.live_spaces() if s.name == "api-dev")
    alloc = sim.world.nomad.job_allocs(*space.nomad_job)[0]
    got = b""
    async for item in follow_task_logs(
        streams.http, alloc.id, "dev", "stdout", follow=False, extensions=streams.extensions
    ):
        if isinstance(item, LogData):
            got += item.data
    assert b"knot-entrypoint" in got
    await streams.close()
    await gateway.close()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
async def test_skip_verify_when_asked(tls_sim: tuple[Simulator, Path]) -> None:
    sim, _ = tls_sim
    settings = resolve(
        env={
            "NOMAD_ADDR": sim.nomad_url,
            "NOMAD_TOKEN": sim.seeded.nomad_management,
            "NOMAD_SKIP_VERIFY": "true",
        }
    ).nomad
    assert settings.skip_verify is True
    assert await _whoami(settings) == "management"
