"""Settings from HUB_* variables: defaults, validation in one line, the secret key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.config import ConfigError, Settings, load_settings, with_secret_key


def test_defaults_serve_localhost_on_sqlite_in_the_data_dir() -> None:
    settings = load_settings({})
    assert settings.domain == "localhost:8080"
    assert settings.scheme == "http"
    assert settings.base_url == "http://localhost:8080"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.data_dir == Path("data")
    assert settings.database_url == "sqlite+aiosqlite:///data/hub.sqlite3"
    assert settings.allow_private_addresses is False
    assert settings.resolve == {}


def test_a_public_domain_defaults_to_https_and_keeps_its_port() -> None:
    settings = load_settings({"HUB_DOMAIN": "Hub.Example.", "HUB_PORT": "9000"})
    assert settings.domain == "hub.example"
    assert settings.base_url == "https://hub.example"
    assert load_settings({"HUB_DOMAIN": "hub.example:8443"}).hostname == "hub.example"


def test_every_variable_is_read() -> None:
    settings = load_settings(
        {
            "HUB_DOMAIN": "hub.test",
            "HUB_SCHEME": "http",
            "HUB_HOST": "0.0.0.0",
            "HUB_PORT": "8081",
            "HUB_DATA_DIR": "/srv/hub",
            "HUB_DATABASE_URL": "postgresql://hub:pw@db:5432/hub",
            "HUB_SECRET_KEY": "k" * 40,
            "HUB_ALLOW_PRIVATE_ADDRESSES": "true",
            "HUB_RESOLVE": "a.test=127.0.0.2, B.test=127.0.0.3",
            "HUB_NETWORK_USERNAME": "Netzwerk",
            "HUB_NETWORK_NAME": "Platform Coops",
            "HUB_RUN_WORKER": "false",
            "HUB_LOG_LEVEL": "debug",
            "HUB_SMTP_HOST": "mail.hub.test",
            "HUB_SMTP_PORT": "2525",
            "HUB_SMTP_USER": "hub",
            "HUB_SMTP_PASSWORD": "secret",
            "HUB_SMTP_FROM": "events@hub.test",
        }
    )
    assert settings == Settings(
        domain="hub.test",
        scheme="http",
        host="0.0.0.0",
        port=8081,
        data_dir=Path("/srv/hub"),
        database_url="postgresql+asyncpg://hub:pw@db:5432/hub",
        secret_key="k" * 40,
        allow_private_addresses=True,
        resolve={"a.test": "127.0.0.2", "b.test": "127.0.0.3"},
        network_username="netzwerk",
        network_name="Platform Coops",
        run_worker=False,
        log_level="DEBUG",
        smtp_host="mail.hub.test",
        smtp_port=2525,
        smtp_user="hub",
        smtp_password="secret",
        smtp_from="events@hub.test",
    )
    assert "'secret'" not in repr(settings)


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HUB_DOMAIN", "https://hub.example", "HUB_DOMAIN"),
        ("HUB_DOMAIN", "hub..example", "HUB_DOMAIN"),
        ("HUB_DOMAIN", "hub.example:99999", "port"),
        ("HUB_DOMAIN", "", "HUB_DOMAIN"),
        ("HUB_SCHEME", "ftp", "HUB_SCHEME"),
        ("HUB_SMTP_PORT", "0", "HUB_SMTP_PORT"),
        ("HUB_SMTP_FROM", "no-address", "HUB_SMTP_FROM"),
        ("HUB_SMTP_FROM", "a@b.test\r\nBcc: c@d.test", "HUB_SMTP_FROM"),
        ("HUB_PORT", "eighty", "HUB_PORT"),
        ("HUB_PORT", "0", "HUB_PORT"),
        ("HUB_DATABASE_URL", "mysql://x/y", "HUB_DATABASE_URL"),
        ("HUB_SECRET_KEY", "short", "HUB_SECRET_KEY"),
        ("HUB_ALLOW_PRIVATE_ADDRESSES", "maybe", "HUB_ALLOW_PRIVATE_ADDRESSES"),
        ("HUB_RESOLVE", "a.test=not-an-ip", "HUB_RESOLVE"),
        ("HUB_RESOLVE", "a.test", "HUB_RESOLVE"),
        ("HUB_NETWORK_USERNAME", "das netz", "HUB_NETWORK_USERNAME"),
        ("HUB_RUN_WORKER", "sometimes", "HUB_RUN_WORKER"),
        ("HUB_LOG_LEVEL", "LOUD", "HUB_LOG_LEVEL"),
    ],
)
def test_invalid_values_raise_one_line_naming_the_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"HUB_DATA_DIR": str(tmp_path / "data")})
    first = with_secret_key(settings)
    key_file = tmp_path / "data" / "secret_key"
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert with_secret_key(settings).secret_key == first.secret_key


def test_a_given_secret_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = load_settings({"HUB_DATA_DIR": str(tmp_path / "d"), "HUB_SECRET_KEY": "s" * 32})
    assert with_secret_key(settings).secret_key == "s" * 32
    assert not (tmp_path / "d").exists()
