"""Settings resolution with a temporary HOME and environment."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from knot_tui.config import ConfigError, Flags, resolve, save_connection

KNOT_TOML = """
[client.connection.default]
server = "knot.example.com"
token = "file-token"

[client.connection.work]
server = "https://work.example.com/"
token = "work-token"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nothing_configured(isolated_env: Path) -> None:
    settings = resolve(Flags(), {})
    assert settings.server == "" and settings.token == "" and settings.source == ""
    assert settings.verify is True
    assert settings.knot_config == isolated_env / ".config" / "knot" / "knot.toml"


def test_knot_toml_alias_and_normalisation(isolated_env: Path) -> None:
    write(isolated_env / ".config/knot/knot.toml", KNOT_TOML)
    default = resolve(Flags(), {})
    assert (default.server, default.token, default.source) == (
        "https://knot.example.com",
        "file-token",
        "knot.toml",
    )
    work = resolve(Flags(alias="work"), {})
    assert (work.server, work.token) == ("https://work.example.com", "work-token")
    assert default.aliases == ("default", "work")


def test_unknown_alias_is_an_error(isolated_env: Path) -> None:
    write(isolated_env / ".config/knot/knot.toml", KNOT_TOML)
    with pytest.raises(ConfigError, match="no connection named 'nope'"):
        resolve(Flags(alias="nope"), {})
    with pytest.raises(ConfigError, match="not valid"):
        resolve(Flags(alias="x"), {})


def test_search_order_cwd_first(isolated_env: Path, tmp_path: Path) -> None:
    write(isolated_env / ".config/knot/knot.toml", KNOT_TOML)
    write(
        isolated_env / "knot.toml",
        '[client.connection.default]\nserver="home.example"\ntoken="h"\n',
    )
    assert resolve(Flags(), {}).server == "https://home.example"
    write(tmp_path / "knot.toml", '[client.connection.default]\nserver="cwd.example"\ntoken="c"\n')
    assert resolve(Flags(), {}).server == "https://cwd.example"


def test_env_pair_only_counts_when_both_are_set(isolated_env: Path) -> None:
    write(isolated_env / ".config/knot/knot.toml", KNOT_TOML)
    only_server = resolve(Flags(), {"KNOT_SERVER": "env.example"})
    assert only_server.server == "https://knot.example.com"  # knot ignores a lone KNOT_SERVER
    both = resolve(Flags(), {"KNOT_SERVER": "env.example", "KNOT_TOKEN": "env-token"})
    assert (both.server, both.token, both.source) == ("https://env.example", "env-token", "env")


def test_flags_beat_env_and_are_a_pair(isolated_env: Path) -> None:
    env = {"KNOT_SERVER": "env.example", "KNOT_TOKEN": "env-token"}
    flagged = resolve(Flags(server="http://flag.example:8080", token="flag-token"), env)
    assert (flagged.server, flagged.token, flagged.source) == (
        "http://flag.example:8080",
        "flag-token",
        "flags",
    )
    write(isolated_env / ".config/knot/knot.toml", KNOT_TOML)
    lone = resolve(Flags(server="http://flag.example"), {})
    assert lone.server == "https://knot.example.com"  # a lone --server never gets the file's token
    assert any("--server is ignored" in w for w in lone.warnings)


def test_config_flag_is_a_name_or_a_path(isolated_env: Path, tmp_path: Path) -> None:
    write(
        isolated_env / ".config/knot/other.toml",
        '[client.connection.default]\nserver="other.example"\ntoken="o"\n',
    )
    assert resolve(Flags(config="other.toml"), {}).server == "https://other.example"
    assert resolve(Flags(), {"KNOT_CONFIG": "other.toml"}).server == "https://other.example"
    path = write(
        tmp_path / "elsewhere" / "mine.toml",
        '[client.connection.default]\nserver="p.example"\ntoken="p"\n',
    )
    assert resolve(Flags(config=str(path)), {}).server == "https://p.example"
    with pytest.raises(ConfigError, match="no such knot config"):
        resolve(Flags(config=str(tmp_path / "missing.toml")), {})


def test_tls_is_verified_unless_asked(isolated_env: Path) -> None:
    assert resolve(Flags(), {}).tls_skip_verify is False
    assert resolve(Flags(), {"KNOT_TLS_SKIP_VERIFY": "true"}).tls_skip_verify is True
    assert resolve(Flags(tls_skip_verify=True), {"KNOT_TLS_SKIP_VERIFY": "false"}).tls_skip_verify is True
    write(isolated_env / "knot.toml", "[tls]\nskip_verify = true\n")
    assert resolve(Flags(), {}).tls_skip_verify is True
    with pytest.raises(ConfigError, match="KNOT_TLS_SKIP_VERIFY"):
        resolve(Flags(), {"KNOT_TLS_SKIP_VERIFY": "maybe"})


def test_bad_toml_names_file_and_line(isolated_env: Path) -> None:
    path = write(isolated_env / ".config/knot/knot.toml", "[client]\nserver = \n")
    with pytest.raises(ConfigError) as info:
        resolve(Flags(), {})
    assert str(path) in str(info.value) and "line 2" in str(info.value)


def test_own_config_theme_keymap_and_per_alias_nomad(isolated_env: Path) -> None:
    own = isolated_env / ".config" / "knot-tui" / "config.toml"
    write(
        own,
        'theme = "nord"\n[keymap]\n"spaces.start" = "ctrl+u"\n'
        '[alias.default.nomad]\naddr = "https://nomad.example:4646/"\ntoken = "file-nomad"\n'
        'job = "${{.space.name}}"\n[alias.default.consul]\naddr = "consul.example:8500"\n',
    )
    settings = resolve(Flags(), {})
    assert settings.config_file == own
    assert settings.theme == "nord" and settings.keymap == {"spaces.start": "ctrl+u"}
    assert settings.nomad.addr == "https://nomad.example:4646" and settings.nomad.token == "file-nomad"
    assert settings.nomad.job == "${{.space.name}}"
    assert settings.consul.addr == "http://consul.example:8500" and settings.consul.ssl_verify
    env = {
        "NOMAD_ADDR": "http://env-nomad:4646",
        "NOMAD_TOKEN": "env-nomad",
        "NOMAD_SKIP_VERIFY": "1",
    }
    from_env = resolve(Flags(), env)
    assert (from_env.nomad.addr, from_env.nomad.token, from_env.nomad.skip_verify) == (
        "http://env-nomad:4646",
        "env-nomad",
        True,
    )
    flagged = resolve(Flags(nomad_addr="http://flag-nomad:4646", nomad_namespace="alice"), env)
    assert flagged.nomad.addr == "http://flag-nomad:4646" and flagged.nomad.namespace == "alice"


def test_consul_env(isolated_env: Path) -> None:
    settings = resolve(
        Flags(),
        {
            "CONSUL_HTTP_ADDR": "127.0.0.1:8501",
            "CONSUL_HTTP_SSL": "true",
            "CONSUL_HTTP_TOKEN": "ct",
            "CONSUL_CACERT": "/ca.pem",
            "CONSUL_HTTP_SSL_VERIFY": "false",
        },
    )
    assert settings.consul.addr == "https://127.0.0.1:8501"
    assert (settings.consul.token, settings.consul.cacert, settings.consul.ssl_verify) == (
        "ct",
        "/ca.pem",
        False,
    )


def test_own_config_override_env(isolated_env: Path, tmp_path: Path) -> None:
    own = write(tmp_path / "custom.toml", 'theme = "gruvbox"\n')
    assert resolve(Flags(), {"KNOT_TUI_CONFIG": str(own)}).theme == "gruvbox"
    write(tmp_path / "bad.toml", "log_buffer_lines = 5\n")
    with pytest.raises(ConfigError, match="log_buffer_lines"):
        resolve(Flags(), {"KNOT_TUI_CONFIG": str(tmp_path / "bad.toml")})


def test_save_connection_like_knot_connect(isolated_env: Path) -> None:
    path = write(isolated_env / ".config/knot/knot.toml", KNOT_TOML + "\n[tls]\nskip_verify = false\n")
    path.chmod(0o644)
    save_connection(path, "lab", "https://lab.example", "lab-token")
    data = tomllib.loads(path.read_text())
    assert data["client"]["connection"]["lab"] == {
        "server": "https://lab.example",
        "token": "lab-token",
    }
    assert data["client"]["connection"]["work"]["token"] == "work-token"  # the rest is kept
    assert data["tls"] == {"skip_verify": False}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fresh = isolated_env / ".config" / "knot" / "new.toml"
    save_connection(fresh, "default", "https://x.example", "t")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert resolve(Flags(config="new.toml"), {}).token == "t"
