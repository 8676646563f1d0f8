"""The log file (platformdirs user log dir), with every known secret redacted."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from knot_tui.config import log_dir

LOG_NAME = "knot-tui.log"
_SECRETS: set[str] = set()
REDACTED = "[redacted]"


def add_secret(value: str) -> None:
    """Never write `value` to the log (tokens, passwords, session ids)."""
    if value and len(value) >= 6:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_path() -> Path:
    return log_dir() / LOG_NAME


def setup(level: int = logging.INFO) -> Path:
    """Send knot-tui's (and the libraries') records to the rotating log file (mode 0600)."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        path.touch(mode=0o600)
    path.chmod(0o600)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_knot_tui", False)]:
        root.removeHandler(old)
    handler._knot_tui = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Library warnings (urllib3's InsecureRequestWarning, ...) go to the log, never to a
    # terminal the TUI is drawing on.
    logging.captureWarnings(True)
    # httpx logs every request URL at INFO; keep that out unless debugging.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    return path
