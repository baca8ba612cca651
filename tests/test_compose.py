"""Container deployment: docker-compose.yml, the Dockerfile and the Caddyfile agree with the hub.

No Docker engine is needed: the files are parsed and checked against hub/config.py. The one
test that runs `docker compose config` skips when the compose plugin is not installed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from hub.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
CONFIG_SOURCE = ROOT / "hub" / "config.py"

# What an operator provides for the required ${VAR:?...} variables. ${VAR:-default} takes its
# default, so the defaults are checked too.
SAMPLES = {
    "HUB_DOMAIN": "hub.example.org",
    "HUB_SECRET_KEY": "0123456789abcdef" * 4,
}
SERVICES = {"postgres", "web", "worker", "proxy"}
CADDYFILE_TARGET = "/etc/caddy/Caddyfile"

_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


def interpolate(value: Any, samples: Mapping[str, str] = SAMPLES) -> Any:
    """Substitute variables in every string of a parsed compose file the way Compose does."""
    if isinstance(value, dict):
        return {key: interpolate(item, samples) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, samples) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match["name"] or match["bare"]
        if match["op"] and match["op"].endswith("-"):
            return str(match["arg"])
        assert name in samples, f"${{{name}}} has no default; add a sample value to SAMPLES"
        return samples[name]

    return _VARIABLE.sub(substitute, value)


def compose() -> dict[str, Any]:
    """docker-compose.yml parsed (anchors and merge keys resolved) and interpolated."""
    parsed = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(parsed, dict)
    return dict(interpolate(parsed))


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    return dict(services[name])


def environment(svc: Mapping[str, Any]) -> dict[str, str]:
    """A service's environment as strings, from either the mapping or the list form."""
    raw = svc.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    env = {}
    for key, value in raw.items():
        assert value is not None, f"{key} is passed through from the host; give it a value"
        env[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def command(svc: Mapping[str, Any]) -> list[str]:
    raw = svc.get("command")
    return shlex.split(raw) if isinstance(raw, str) else list(raw or [])


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile as (INSTRUCTION, arguments) pairs, one list per build stage."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        assert stages, f"Dockerfile instruction before FROM: {line!r}"
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def final_stage() -> list[tuple[str, str]]:
    return dockerfile_stages()[-1]


def image_environment() -> dict[str, str]:
    """The HUB_* variables the final image sets with ENV."""
    env = {}
    for instruction, arguments in final_stage():
        if instruction == "ENV":
            for item in shlex.split(arguments):
                key, _, value = item.partition("=")
                env[key] = value
    return {key: value for key, value in env.items() if key.startswith("HUB_")}


def container_settings(name: str) -> Settings:
    """The settings a service's container starts with: the image's ENV plus the compose env."""
    return load_settings(image_environment() | environment(service(name)))


def known_variables() -> set[str]:
    """Every HUB_* name hub/config.py has as a string literal, i.e. every variable it reads."""
    tree = ast.parse(CONFIG_SOURCE.read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"HUB_[A-Z_]+", node.value)
    }


def volume_mounts(svc: Mapping[str, Any]) -> dict[str, str]:
    """A service's mounts as {target: source}, from the short or the long syntax."""
    mounts = {}
    for entry in svc.get("volumes", []):
        if isinstance(entry, dict):
            mounts[entry["target"]] = entry.get("source", "")
        else:
            source, target, *_ = str(entry).split(":")
            mounts[target] = source
    return mounts


def published_tcp_ports(svc: Mapping[str, Any]) -> set[tuple[int, int]]:
    """(host port, container port) for every TCP port a service publishes."""
    ports = set()
    for entry in svc.get("ports", []):
        if isinstance(entry, dict):
            if entry.get("protocol", "tcp") == "tcp" and "published" in entry:
                ports.add((int(entry["published"]), int(entry["target"])))
            continue
        spec, _, protocol = str(entry).partition("/")
        parts = spec.split(":")
        if (protocol or "tcp") == "tcp" and len(parts) >= 2:
            ports.add((int(parts[-2]), int(parts[-1])))
    return ports


def caddyfile() -> str:
    """The Caddyfile without comments."""
    return "\n".join(line.split("#", 1)[0] for line in CADDYFILE.read_text().splitlines())


def test_all_four_services_exist() -> None:
    assert set(compose()["services"]) >= SERVICES


def test_web_serves_without_the_worker() -> None:
    web = service("web")
    assert command(web) == ["hub", "serve"]
    assert environment(web)["HUB_RUN_WORKER"] == "false"
    assert container_settings("web").run_worker is False


def test_worker_runs_the_worker_from_the_same_image_and_can_scale() -> None:
    web, worker = service("web"), service("worker")
    assert command(worker) == ["hub", "worker"]
    assert worker.get("build") == web.get("build") is not None
    assert worker.get("image") == web.get("image")
    # Several replicas need no fixed container name and no published host port.
    assert "container_name" not in worker
    assert not worker.get("ports")


def test_web_and_worker_share_the_hub_settings() -> None:
    web, worker = environment(service("web")), environment(service("worker"))
    assert {key: web.get(key) for key in worker} == worker
    assert set(web) - set(worker) == {"HUB_RUN_WORKER"}


def test_database_url_points_at_the_postgres_service() -> None:
    postgres = environment(service("postgres"))
    urls = {environment(service(name)).get("HUB_DATABASE_URL") for name in ("web", "worker")}
    assert len(urls) == 1, f"web and worker use different databases: {urls}"
    url = urlsplit(urls.pop() or "")
    assert url.scheme in {"postgres", "postgresql"}
    assert url.hostname == "postgres"
    assert url.port in {None, 5432}
    assert unquote(url.username or "") == postgres["POSTGRES_USER"]
    assert unquote(url.password or "") == postgres["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == postgres["POSTGRES_DB"]


def test_postgres_is_healthchecked_and_the_hub_waits_for_it() -> None:
    postgres = service("postgres")
    assert str(postgres["image"]).startswith("postgres:16")
    assert postgres["healthcheck"]["test"]
    named = set(compose().get("volumes") or {})
    assert volume_mounts(postgres).get("/var/lib/postgresql/data") in named
    assert service("web")["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Workers start once web has migrated, so no two processes migrate an empty database.
    worker_needs = service("worker")["depends_on"]
    assert worker_needs["postgres"]["condition"] == "service_healthy"
    assert worker_needs["web"]["condition"] == "service_healthy"
    assert service("web")["healthcheck"]["test"]


def test_every_hub_variable_is_one_the_hub_reads() -> None:
    known = known_variables()
    assert {"HUB_DOMAIN", "HUB_DATABASE_URL", "HUB_RUN_WORKER"} <= known
    for path in (COMPOSE, DOCKERFILE, CADDYFILE):
        used = set(re.findall(r"HUB_[A-Z0-9_]+", path.read_text()))
        assert used - known == set(), f"{path.name} names variables hub/config.py never reads"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_service_environment_passes_load_settings(name: str) -> None:
    try:
        settings = container_settings(name)
    except ConfigError as error:
        pytest.fail(f"{name}: {error}")
    assert settings.domain == SAMPLES["HUB_DOMAIN"]
    assert settings.scheme == "https"
    assert settings.secret_key == SAMPLES["HUB_SECRET_KEY"]
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.host == "0.0.0.0"


def test_proxy_publishes_http_and_https_and_mounts_the_caddyfile() -> None:
    proxy = service("proxy")
    assert str(proxy["image"]).startswith("caddy:2")
    assert {(80, 80), (443, 443)} <= published_tcp_ports(proxy)
    source = volume_mounts(proxy).get(CADDYFILE_TARGET)
    assert source, f"the proxy does not mount anything at {CADDYFILE_TARGET}"
    assert (ROOT / source).resolve() == CADDYFILE.resolve()


def test_caddyfile_proxies_to_web_and_keeps_the_host_header() -> None:
    text = caddyfile()
    lines = [line.split() for line in text.splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if line[0] == "reverse_proxy"]
    assert len(starts) == 1, "expected one reverse_proxy directive"
    directive = lines[starts[0]]
    assert directive == ["reverse_proxy", f"web:{container_settings('web').port}", "{"]
    end = lines.index(["}"], starts[0])
    lines = lines[starts[0] + 1 : end]
    # {hostport} is the Host header as sent; {host} would drop a port in HUB_DOMAIN.
    assert ["header_up", "Host", "{hostport}"] in lines
    assert ["header_up", "X-Forwarded-Proto", "{scheme}"] in lines
    # Environment variables the Caddyfile reads must be given to the proxy.
    proxy_env = environment(service("proxy"))
    for name in re.findall(r"\{\$(\w+)", text):
        assert name in proxy_env, f"the Caddyfile reads {name}, the proxy service lacks it"
    assert proxy_env.get("HUB_DOMAIN") == SAMPLES["HUB_DOMAIN"]


def test_dockerfile_serves_as_a_non_root_user() -> None:
    stages = dockerfile_stages()
    assert all(stage[0][1].split()[0] == "python:3.11-slim" for stage in stages)
    final = final_stage()
    commands = [json.loads(arguments) for instruction, arguments in final if instruction == "CMD"]
    assert commands and commands[-1] == ["hub", "serve"]
    users = [arguments for instruction, arguments in final if instruction == "USER"]
    assert users, "the image runs as root: no USER line"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert ("EXPOSE", "8080") in final
    assert ("VOLUME", "/data") in final
    assert image_environment().get("HUB_DATA_DIR") == "/data"
    runs = [
        arguments for stage in stages for instruction, arguments in stage if instruction == "RUN"
    ]
    assert any(re.search(r"\bpip install \.(\s|$)", run) for run in runs)


def test_build_context_keeps_the_sources_and_drops_the_rest() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert not any(pattern.startswith("!") for pattern in patterns), "update this test for '!'"

    def ignored(path: str) -> bool:
        parts = PurePosixPath(path).parts
        return any(
            fnmatch(path, pattern) or fnmatch(parts[0], pattern.rstrip("/")) for pattern in patterns
        )

    copied = []
    for instruction, arguments in (item for stage in dockerfile_stages() for item in stage):
        if instruction == "COPY" and not arguments.startswith("--from"):
            copied += arguments.split()[:-1]
    assert {"pyproject.toml", "hub", "web"} <= set(copied)
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert not ignored(source), f"COPY {source}, but .dockerignore leaves it out"
    for unwanted in (".git", ".venv", "data", "hub/__pycache__/config.cpython-311.pyc"):
        assert ignored(unwanted), f"{unwanted} would be sent to the Docker build"


def _compose_or_skip() -> str:
    """The docker client's path, or skip when it or its compose plugin is missing."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on PATH")
    result = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        pytest.skip(f"`docker compose` plugin unavailable: {reason[0] if reason else 'no output'}")
    return docker


def test_docker_compose_accepts_the_file() -> None:
    docker = _compose_or_skip()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    run = [docker, "compose", "--file", str(COMPOSE), "config", "--quiet"]
    result = subprocess.run(
        run, env=env | SAMPLES, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    # Without HUB_DOMAIN the operator gets told what to set.
    result = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "HUB_DOMAIN" in result.stderr
