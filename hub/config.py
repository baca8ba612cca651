"""One frozen Settings object, built from HUB_* environment variables."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_USERNAME = re.compile(r"^[a-z0-9_]{1,30}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A HUB_* variable is missing or invalid; the message is one readable line."""


@dataclass(frozen=True)
class Settings:
    """Everything the hub is configured with; passed down, never read from globals."""

    domain: str = "localhost:8080"
    scheme: str = "http"
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    database_url: str = "sqlite+aiosqlite:///data/hub.sqlite3"
    secret_key: str = ""
    allow_private_addresses: bool = False
    resolve: Mapping[str, str] = field(default_factory=dict)
    network_username: str = "network"
    network_name: str = "Platform Coops Netzwerk"
    network_announce_create: bool = False
    network_moderators: tuple[str, ...] = ()
    run_worker: bool = True
    log_level: str = "INFO"
    delivery_lease_seconds: int = 600
    enable_password_grant: bool = False
    federation_allowlist: bool = False
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""

    @property
    def base_url(self) -> str:
        """The public origin, e.g. https://hub.example."""
        return f"{self.scheme}://{self.domain}"

    @property
    def hostname(self) -> str:
        """The public host without the port."""
        return self.domain.rsplit(":", 1)[0] if ":" in self.domain else self.domain


def load_settings(env: Mapping[str, str]) -> Settings:
    """Parse and validate HUB_* variables; raise ConfigError on the first bad one."""
    domain = _domain(env.get("HUB_DOMAIN", "localhost:8080"))
    data_dir = Path(env.get("HUB_DATA_DIR", "data") or "data")
    return Settings(
        domain=domain,
        scheme=_scheme(env.get("HUB_SCHEME"), domain),
        host=env.get("HUB_HOST", "127.0.0.1") or "127.0.0.1",
        port=_port(env.get("HUB_PORT", "8080")),
        data_dir=data_dir,
        database_url=_database_url(env.get("HUB_DATABASE_URL"), data_dir),
        secret_key=_secret_key(env.get("HUB_SECRET_KEY", "")),
        allow_private_addresses=_flag(env, "HUB_ALLOW_PRIVATE_ADDRESSES", False),
        resolve=_resolve(env.get("HUB_RESOLVE", "")),
        network_username=_network_username(env.get("HUB_NETWORK_USERNAME", "network")),
        network_name=env.get("HUB_NETWORK_NAME", "").strip() or "Platform Coops Netzwerk",
        network_announce_create=_flag(env, "HUB_NETWORK_ANNOUNCE_CREATE", False),
        network_moderators=_moderators(env.get("HUB_NETWORK_MODERATORS", "")),
        run_worker=_flag(env, "HUB_RUN_WORKER", True),
        log_level=_log_level(env.get("HUB_LOG_LEVEL", "INFO")),
        delivery_lease_seconds=_seconds(env.get("HUB_DELIVERY_LEASE_SECONDS", "600")),
        enable_password_grant=_flag(env, "HUB_ENABLE_PASSWORD_GRANT", False),
        federation_allowlist=_flag(env, "HUB_FEDERATION_ALLOWLIST", False),
        smtp_host=env.get("HUB_SMTP_HOST", "").strip(),
        smtp_port=_port(env.get("HUB_SMTP_PORT", "587") or "587", name="HUB_SMTP_PORT"),
        smtp_user=env.get("HUB_SMTP_USER", "").strip(),
        smtp_password=env.get("HUB_SMTP_PASSWORD", ""),
        smtp_from=_mail_from(env.get("HUB_SMTP_FROM", "")),
    )


def with_secret_key(settings: Settings) -> Settings:
    """Return settings with a secret key, generating one into the data dir on first start."""
    if settings.secret_key:
        return settings
    path = settings.data_dir / "secret_key"
    if path.exists():
        key = path.read_text().strip()
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key + "\n")
    return dataclasses.replace(settings, secret_key=_secret_key(key))


def normalize_host(host: str) -> str:
    """Lowercase, IDNA-encode and strip one trailing dot, so hosts compare exactly."""
    host = host.strip().lower()
    host = host[:-1] if host.endswith(".") else host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ConfigError(f"invalid host name {host!r}") from error


def _domain(raw: str) -> str:
    raw = raw.strip()
    if not raw or "/" in raw or "@" in raw:
        raise ConfigError(f"HUB_DOMAIN must be a host name with an optional port, not {raw!r}")
    host, _, port = raw.partition(":")
    try:
        host = normalize_host(host)
    except ConfigError:
        raise ConfigError(f"HUB_DOMAIN has an invalid host name: {raw!r}") from None
    if not all(_HOST_LABEL.match(label) for label in host.split(".")):
        raise ConfigError(f"HUB_DOMAIN has an invalid host name: {raw!r}")
    if port:
        _port(port, name="HUB_DOMAIN port")
        return f"{host}:{port}"
    return host


def _scheme(raw: str | None, domain: str) -> str:
    if raw is None or not raw.strip():
        host = domain.split(":", 1)[0]
        return "http" if host == "localhost" or host.endswith(".test") else "https"
    scheme = raw.strip().lower()
    if scheme not in {"http", "https"}:
        raise ConfigError(f"HUB_SCHEME must be https or http, not {raw!r}")
    return scheme


def _port(raw: str, name: str = "HUB_PORT") -> int:
    try:
        port = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number from 1 to 65535, not {raw!r}") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be a number from 1 to 65535, not {raw!r}")
    return port


def _database_url(raw: str | None, data_dir: Path) -> str:
    if raw is None or not raw.strip():
        return f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}"
    return normalize_database_url(raw)


def normalize_database_url(raw: str) -> str:
    """Map postgresql:// and sqlite:// URLs to the async drivers; refuse other schemes."""
    url = raw.strip()
    scheme = urlsplit(url).scheme
    if scheme in {"postgres", "postgresql"}:
        return "postgresql+asyncpg" + url[len(scheme) :]
    if scheme == "sqlite":
        return "sqlite+aiosqlite" + url[len(scheme) :]
    if scheme in {"postgresql+asyncpg", "sqlite+aiosqlite"}:
        return url
    raise ConfigError(f"HUB_DATABASE_URL must be a postgresql:// or sqlite:// URL, not {scheme!r}")


def _secret_key(raw: str) -> str:
    key = raw.strip()
    if key and len(key) < 32:
        raise ConfigError("HUB_SECRET_KEY must be at least 32 characters long")
    return key


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    if name not in env:
        return default
    value = env[name].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {env[name]!r}")


def _resolve(raw: str) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, address = item.partition("=")
        try:
            if not sep:
                raise ValueError(item)
            ipaddress.ip_address(address.strip())
        except ValueError:
            raise ConfigError(f"HUB_RESOLVE entries must look like name=ip, not {item!r}") from None
        overrides[normalize_host(name)] = address.strip()
    return overrides


def _network_username(raw: str) -> str:
    name = raw.strip().lower()
    if not _USERNAME.match(name):
        raise ConfigError(f"HUB_NETWORK_USERNAME must be 1-30 of a-z, 0-9, _, not {raw!r}")
    return name


def _moderators(raw: str) -> tuple[str, ...]:
    found = tuple(filter(None, (part.strip() for part in raw.split(","))))
    for url in found:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(f"HUB_NETWORK_MODERATORS must list actor URLs, not {url!r}")
    return found


def _seconds(raw: str) -> int:
    try:
        seconds = int(raw)
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= 86400:
        raise ConfigError(f"HUB_DELIVERY_LEASE_SECONDS must be 1 to 86400, not {raw!r}")
    return seconds


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"HUB_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {raw!r}")
    return level


def _mail_from(raw: str) -> str:
    sender = raw.strip()
    if sender and ("@" not in sender or any(c in sender for c in "\r\n<>,; ")):
        raise ConfigError(f"HUB_SMTP_FROM must be a mail address, not {raw!r}")
    return sender
