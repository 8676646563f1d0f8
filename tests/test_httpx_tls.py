"""The shared TLS contexts handed to httpx."""

import ssl

from knot_tui.httpx_tls import context_for, default_context


def test_https_gets_the_verifying_default_once() -> None:
    ctx = context_for("https://knot.example.com")
    assert ctx is default_context() is context_for("HTTPS://other.example.com")
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] > 0


def test_plain_http_gets_a_context_that_trusts_nothing() -> None:
    ctx = context_for("http://127.0.0.1:3000")
    assert ctx is not default_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] == 0
