"""Settings resolution: flags > environment > knot's `knot.toml` > knot-tui's own config.

knot's connection rules are kept exactly (knot-api.md section 1.4): `KNOT_SERVER` and
`KNOT_TOKEN` count only when both are set, and a server/token pair from flags or the
environment wins only as a pair; otherwise `client.connection.<alias>` from the first
`knot.toml` found in `./`, `~/`, `~/.config/knot/`, `/etc/knot/` is used. Unlike knot's CLI,
TLS certificates are verified unless the user turns that off.

knot-tui's own file (platformdirs user config dir, or `KNOT_TUI_CONFIG`) holds the theme,
the keymap and per-alias Nomad and Consul settings. Files we write are mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from knot_tui.knot.connection import normalize_server

APP_NAME = "knot-tui"
KNOT_CONFIG_NAME = "knot.toml"
ALIAS_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]{1,19}$")
TRUE_WORDS = {"1", "t", "true", "TRUE", "True"}
FALSE_WORDS = {"0", "f", "false", "FALSE", "False"}


class ConfigError(Exception):
    """A settings problem the user must fix; the message names the file (and line)."""


def parse_bool(value: str, name: str) -> bool:
    """Go's `strconv.ParseBool`, which knot, Nomad and Consul use for env flags."""
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")


@dataclass(frozen=True)
class NomadSettings:
    addr: str = ""
    token: str = ""
    namespace: str = ""
    region: str = ""
    cacert: str = ""
    capath: str = ""
    client_cert: str = ""
    client_key: str = ""
    skip_verify: bool = False
    tls_server_name: str = ""
    #: Locator overrides in knot's template syntax, e.g. "${{.space.name}}-${{.user.username}}".
    job: str = ""
    job_namespace: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.addr)


@dataclass(frozen=True)
class ConsulSettings:
    addr: str = ""
    token: str = ""
    cacert: str = ""
    ssl_verify: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.addr)


@dataclass(frozen=True)
class Settings:
    server: str = ""
    token: str = ""
    alias: str = "default"
    tls_skip_verify: bool = False
    read_only: bool = False
    nomad: NomadSettings = field(default_factory=NomadSettings)
    consul: ConsulSettings = field(default_factory=ConsulSettings)
    theme: str = "textual-dark"
    keymap: Mapping[str, str] = field(default_factory=dict)
    ssh_user: str = ""
    log_buffer_lines: int = 100_000
    log_tail_bytes: int = 50_000
    #: The knot.toml that was read (or would be written by a login), and knot-tui's own file.
    knot_config: Path | None = None
    config_file: Path | None = None
    #: Where the server/token pair came from: "flags", "env", "knot.toml" or "".
    source: str = ""
    warnings: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    demo: bool = False

    @property
    def verify(self) -> bool:
        return not self.tls_skip_verify

    def with_connection(self, server: str, token: str, source: str) -> Settings:
        return replace(self, server=server, token=token, source=source)


@dataclass
class Flags:
    """The global command-line flags (None = not given)."""

    server: str | None = None
    token: str | None = None
    alias: str | None = None
    config: str | None = None
    tls_skip_verify: bool | None = None
    nomad_addr: str | None = None
    nomad_token: str | None = None
    nomad_namespace: str | None = None
    read_only: bool = False


# ---- files -------------------------------------------------------------------------------


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def write_private(path: Path, data: Mapping[str, Any]) -> None:
    """Write TOML atomically with mode 0600 (it may hold tokens)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    import tempfile  # writing is rare: keep both imports off the start-up path

    import tomli_w

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump(dict(data), fh)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def knot_search_dirs(home: Path, cwd: Path) -> list[Path]:
    """knot's search order (`main.go`): ./, ~/, ~/.config/knot/, /etc/knot/."""
    return [cwd, home, home / ".config" / "knot", Path("/etc/knot")]


def find_knot_config(name: str | None, home: Path, cwd: Path) -> Path | None:
    """The first existing knot config. A name with a '/' is taken as a path (knot-tui's
    extension: knot itself only ever searches its four directories for the name)."""
    name = name or KNOT_CONFIG_NAME
    if os.sep in name or name.startswith("~"):
        path = Path(name).expanduser()
        if not path.is_absolute():
            path = cwd / path
        return path if path.exists() else None
    for directory in knot_search_dirs(home, cwd):
        candidate = directory / name
        if candidate.exists():
            return candidate
    return None


def knot_config_target(found: Path | None, home: Path, name: str | None = None) -> Path:
    """Where a login saves the token: the file found, else ~/.config/knot/knot.toml."""
    if found is not None:
        return found
    if name and (os.sep in name or name.startswith("~")):
        return Path(name).expanduser()
    return home / ".config" / "knot" / (name or KNOT_CONFIG_NAME)


def own_config_path(env: Mapping[str, str]) -> Path:
    override = env.get("KNOT_TUI_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def save_connection(path: Path, alias: str, server: str, token: str) -> None:
    """`config.SaveConnection`: set client.connection.<alias>.{server,token}, keep the rest."""
    if not ALIAS_RE.match(alias):
        raise ConfigError(
            f"alias {alias!r} is not valid: 2-20 letters, digits or '-', starting with a letter"
        )
    data = read_toml(path) if path.exists() else {}
    client = data.setdefault("client", {})
    if not isinstance(client, dict):
        raise ConfigError(f"{path}: 'client' is not a table")
    connections = client.setdefault("connection", {})
    if not isinstance(connections, dict):
        raise ConfigError(f"{path}: 'client.connection' is not a table")
    connections[alias] = {"server": server, "token": token}
    write_private(path, data)


def save_own_setting(path: Path, key: str, value: Any) -> None:
    """Set one top-level key (theme, ...) in knot-tui's own file, keeping the rest."""
    data = read_toml(path) if path.exists() else {}
    data[key] = value
    write_private(path, data)


# ---- resolution --------------------------------------------------------------------------


def _str(table: Mapping[str, Any], key: str) -> str:
    value = table.get(key)
    return value if isinstance(value, str) else ""


def _table(data: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return data


def _env_bool(env: Mapping[str, str], name: str) -> bool | None:
    value = env.get(name)
    return None if value is None or value == "" else parse_bool(value, name)


def _nomad(flags: Flags, env: Mapping[str, str], own: Mapping[str, Any]) -> NomadSettings:
    def pick(flag: str | None, env_name: str, key: str) -> str:
        if flag:
            return flag
        return env.get(env_name) or _str(own, key)

    skip = _env_bool(env, "NOMAD_SKIP_VERIFY")
    own_skip = own.get("skip_verify")
    return NomadSettings(
        addr=pick(flags.nomad_addr, "NOMAD_ADDR", "addr").rstrip("/"),
        token=pick(flags.nomad_token, "NOMAD_TOKEN", "token"),
        namespace=pick(flags.nomad_namespace, "NOMAD_NAMESPACE", "namespace"),
        region=pick(None, "NOMAD_REGION", "region"),
        cacert=pick(None, "NOMAD_CACERT", "cacert"),
        capath=pick(None, "NOMAD_CAPATH", "capath"),
        client_cert=pick(None, "NOMAD_CLIENT_CERT", "client_cert"),
        client_key=pick(None, "NOMAD_CLIENT_KEY", "client_key"),
        skip_verify=skip if skip is not None else own_skip is True,
        tls_server_name=pick(None, "NOMAD_TLS_SERVER_NAME", "tls_server_name"),
        job=_str(own, "job"),
        job_namespace=_str(own, "job_namespace"),
    )


def _consul(env: Mapping[str, str], own: Mapping[str, Any]) -> ConsulSettings:
    addr = env.get("CONSUL_HTTP_ADDR") or _str(own, "addr")
    if addr and "://" not in addr:
        ssl_on = _env_bool(env, "CONSUL_HTTP_SSL")
        addr = ("https://" if ssl_on else "http://") + addr
    verify = _env_bool(env, "CONSUL_HTTP_SSL_VERIFY")
    own_verify = own.get("ssl_verify")
    return ConsulSettings(
        addr=addr.rstrip("/"),
        token=env.get("CONSUL_HTTP_TOKEN") or _str(own, "token"),
        cacert=env.get("CONSUL_CACERT") or _str(own, "cacert"),
        ssl_verify=verify if verify is not None else own_verify is not False,
    )


def resolve(
    flags: Flags | None = None,
    env: Mapping[str, str] | None = None,
    *,
    home: Path | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Build the effective settings. Raises `ConfigError` for unreadable or invalid input."""
    flags = flags or Flags()
    env = os.environ if env is None else env
    home = home or Path.home()
    cwd = cwd or Path.cwd()
    warnings: list[str] = []

    own_path = own_config_path(env)
    own = read_toml(own_path) if own_path.exists() else {}

    alias = flags.alias or "default"
    if not ALIAS_RE.match(alias):
        raise ConfigError(
            f"alias {alias!r} is not valid: 2-20 letters, digits or '-', starting with a letter"
        )

    knot_name = flags.config or env.get("KNOT_CONFIG") or None
    knot_path = find_knot_config(knot_name, home, cwd)
    if knot_name and knot_path is None and flags.config:
        raise ConfigError(f"{flags.config}: no such knot config file")
    knot = read_toml(knot_path) if knot_path is not None else {}
    connections = _table(knot, "client", "connection")

    env_pair = bool(env.get("KNOT_SERVER")) and bool(env.get("KNOT_TOKEN"))
    server = flags.server or (env["KNOT_SERVER"] if env_pair else "")
    token = flags.token or (env["KNOT_TOKEN"] if env_pair else "")
    source = ""
    if server and token:
        source = "flags" if (flags.server or flags.token) else "env"
    else:
        if flags.server or flags.token:
            given = "--server" if flags.server else "--token"
            warnings.append(
                f"{given} is ignored without {'--token' if flags.server else '--server'}: "
                "knot only takes a server and token as a pair"
            )
        entry = _table(connections, alias)
        server, token = _str(entry, "server"), _str(entry, "token")
        source = "knot.toml" if server else ""
        if not server and alias != "default":
            where = knot_path or "any knot.toml"
            raise ConfigError(f"no connection named {alias!r} in {where}")

    if server:
        try:
            server = normalize_server(server)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    skip = flags.tls_skip_verify
    if skip is None:
        skip = _env_bool(env, "KNOT_TLS_SKIP_VERIFY")
    if skip is None:
        knot_skip = _table(knot, "tls").get("skip_verify")
        skip = knot_skip is True

    own_alias = _table(own, "alias", alias)
    keymap = {str(k): str(v) for k, v in _table(own, "keymap").items() if isinstance(v, str)}

    def own_int(key: str, default: int, low: int, high: int) -> int:
        value = own.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"{own_path}: {key} must be a whole number from {low} to {high}")
        return value

    return Settings(
        server=server,
        token=token,
        alias=alias,
        tls_skip_verify=skip,
        read_only=flags.read_only,
        nomad=_nomad(flags, env, _table(own_alias, "nomad")),
        consul=_consul(env, _table(own_alias, "consul")),
        theme=_str(own, "theme") or "textual-dark",
        keymap=keymap,
        ssh_user=_str(own, "ssh_user"),
        log_buffer_lines=own_int("log_buffer_lines", 100_000, 1_000, 10_000_000),
        log_tail_bytes=own_int("log_tail_bytes", 50_000, 0, 100_000_000),
        knot_config=knot_config_target(knot_path, home, knot_name),
        config_file=own_path,
        source=source,
        warnings=tuple(warnings),
        aliases=tuple(sorted(k for k, v in connections.items() if isinstance(v, dict))),
    )
