"""The compose files, as the compose tool itself reads them with example.env.

`docker compose config` (or docker-compose) interpolates and validates both files; the checks
below then read its output, so they see what compose would run: every setting of the app passed
to every app container, production defaults, health checks and start-up order, the worker's
Docker socket and socket folder, and nothing published that should stay private.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import ROOT
from tests.deploy.conftest import compose_environment, run

EXAMPLE_ENV = ROOT / "example.env"
# Fixed by the app image (Dockerfile), never taken from .env.
SET_BY_THE_IMAGE = {"ARENA_VAR_DIR", "ARENA_MEDIA_ROOT", "ARENA_STATIC_ROOT"}
APP_SERVICES = ("migrate", "web", "worker", "play", "beat")


def settings_read() -> set[str]:
    source = (ROOT / "core" / "settings.py").read_text()
    return set(re.findall(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"', source))


def documented() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z0-9_]+)=", EXAMPLE_ENV.read_text(), re.M))


def config(compose, compose_file: str, env_file=EXAMPLE_ENV, check: bool = True):
    return run(
        [*compose, "--project-name", "rl-arena", "--env-file", str(env_file),
         "-f", str(ROOT / compose_file), "config"],
        timeout=120, check=check, env=compose_environment(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def main(compose) -> dict:
    return yaml.safe_load(config(compose, "docker-compose.yml").stdout)


@pytest.fixture(scope="module")
def workers(compose) -> dict:
    return yaml.safe_load(config(compose, "docker-compose.worker.yml").stdout)


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def ports(service: dict) -> list[tuple[str, str, str]]:
    """(host ip, published, target) of each published port, from short or long syntax."""
    found = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            found.append(
                (port.get("host_ip", ""), str(port.get("published", "")), str(port["target"]))
            )
        else:
            parts = str(port).split(":")
            parts = [""] * (3 - len(parts)) + parts
            found.append((parts[0], parts[1], parts[2].split("/")[0]))
    return found


def mounts(service: dict) -> dict[str, str]:
    """target -> source of each volume, from short or long syntax."""
    found = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            found[volume["target"]] = volume.get("source", "")
        else:
            source, target = str(volume).split(":")[:2]
            found[target] = source
    return found


def test_both_files_are_valid_with_example_env(main, workers):
    assert set(main["services"]) == {
        "db", "redis", "registry-auth", "registry", "player-base", "migrate", "web", "worker",
        "play", "beat", "nginx",
    }  # fmt: skip
    assert set(workers["services"]) == {"player-base", "worker"}


@pytest.mark.parametrize("compose_file", ["docker-compose.yml", "docker-compose.worker.yml"])
@pytest.mark.parametrize(
    "variable",
    [
        "ARENA_SECRET_KEY",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "ARENA_REGISTRY_USERNAME",
        "ARENA_REGISTRY_PASSWORD",
    ],
)
def test_a_missing_secret_or_service_url_stops_compose(compose, tmp_path, compose_file, variable):
    env = tmp_path / "no-secret.env"
    lines = EXAMPLE_ENV.read_text().splitlines()
    env.write_text("\n".join(line for line in lines if not line.startswith(f"{variable}=")))
    result = config(compose, compose_file, env, check=False)
    assert result.returncode != 0
    assert f"set {variable} in .env" in result.stdout + result.stderr


def test_every_app_container_gets_every_setting(main, workers):
    expected = settings_read() - SET_BY_THE_IMAGE
    assert expected, "no setting found: the pattern is out of date"
    containers = [(name, main["services"][name]) for name in APP_SERVICES]
    containers.append(("worker (worker machines)", workers["services"]["worker"]))
    for name, service in containers:
        missing = expected - set(environment(service))
        assert not missing, f"{name} does not get {sorted(missing)} from .env"


def test_every_variable_of_the_compose_files_is_documented_in_example_env():
    documented_names = documented()
    for compose_file in ("docker-compose.yml", "docker-compose.worker.yml"):
        text = (ROOT / compose_file).read_text()
        used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
        assert used - documented_names == set(), compose_file


def test_production_defaults(main, workers):
    for service in [
        *(main["services"][name] for name in APP_SERVICES),
        workers["services"]["worker"],
    ]:
        env = environment(service)
        assert env["ARENA_DEBUG"] == "false"
        assert env["ARENA_STATIC_FROM_SOURCES"] == "false"
        assert env["ARENA_SANDBOX"] == "docker"
        assert env["ARENA_ALLOW_PROCESS_SANDBOX"] == "false"
    # The worker machines refuse to start without shared storage and the registry.
    assert environment(workers["services"]["worker"])["ARENA_REMOTE_WORKER"] == "true"


def test_start_up_order_and_health_checks(main):
    services = main["services"]

    def conditions(name):
        return {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}

    assert conditions("migrate") == {"db": "service_healthy"}
    assert conditions("web") == {
        "db": "service_healthy", "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }  # fmt: skip
    for runs_players in ("worker", "play"):
        assert conditions(runs_players) == {
            "redis": "service_healthy", "migrate": "service_completed_successfully",
            "player-base": "service_completed_successfully",
        }  # fmt: skip
    assert conditions("beat")["migrate"] == "service_completed_successfully"
    assert conditions("nginx") == {"web": "service_healthy"}
    for name, service in services.items():
        for dep, condition in conditions(name).items() if "depends_on" in service else ():
            if condition == "service_healthy":
                assert services[dep].get("healthcheck", {}).get("test"), (
                    f"{dep} has no health check"
                )
    assert conditions("registry") == {"registry-auth": "service_completed_successfully"}
    for one_shot in ("migrate", "player-base", "registry-auth"):
        assert services[one_shot]["restart"] == "no"
    for long_running in ("db", "redis", "registry", "web", "worker", "play", "beat", "nginx"):
        assert services[long_running]["restart"] == "unless-stopped"


def test_the_worker_has_the_docker_socket_and_its_socket_folder_at_the_same_path(main, workers):
    runs_players = [main["services"]["worker"], main["services"]["play"]]
    for service in (*runs_players, workers["services"]["worker"]):
        volumes = mounts(service)
        assert volumes["/var/run/docker.sock"] == "/var/run/docker.sock"
        socket_dir = environment(service)["ARENA_SOCKET_DIR"]
        assert socket_dir.startswith("/")
        assert volumes[socket_dir] == socket_dir
        # Root only in the entrypoint, which drops to the image's user (tested with Docker).
        assert str(service["user"]).startswith("0")


def test_only_nginx_is_public_and_the_rest_listens_on_the_private_address(main):
    services = main["services"]
    assert {(p[1], p[2]) for p in ports(services["nginx"])} == {("80", "80"), ("443", "443")}
    for name in ("db", "redis", "registry"):
        # example.env leaves ARENA_PRIVATE_IP unset: this machine only.
        assert [p[0] for p in ports(services[name])] == ["127.0.0.1"], name
    for name in (*APP_SERVICES, "player-base"):
        assert not ports(services[name]), f"{name} publishes a port"
    assert services["player-base"]["network_mode"] == "none"


def test_the_private_address_moves_the_internal_ports(compose, tmp_path):
    env = tmp_path / "private.env"
    env.write_text(EXAMPLE_ENV.read_text() + "\nARENA_PRIVATE_IP=10.10.0.2\n")
    services = yaml.safe_load(config(compose, "docker-compose.yml", env).stdout)["services"]
    for name, port in (("db", "5432"), ("redis", "6379"), ("registry", "5000")):
        assert ports(services[name]) == [("10.10.0.2", port, port)]


def test_nginx_gets_the_upload_limit_of_the_app(main):
    nginx = environment(main["services"]["nginx"])
    web = environment(main["services"]["web"])
    assert nginx["ARENA_ZIP_MAX_BYTES"] == web["ARENA_ZIP_MAX_BYTES"] == "104857600"
    assert nginx["ARENA_NGINX_UPSTREAM"] == "web:8000"


def test_the_registry_asks_for_the_credentials_and_refuses_deletes(main, workers):
    """Whoever reaches the registry reads, pushes or deletes nothing without the
    credentials, and deletes nothing with them (tests/platform/test_registry.py runs a real
    registry configured so)."""
    services = main["services"]
    registry = environment(services["registry"])
    assert registry["REGISTRY_AUTH"] == "htpasswd"
    assert registry["REGISTRY_AUTH_HTPASSWD_PATH"] == "/auth/htpasswd"
    assert registry["REGISTRY_STORAGE_DELETE_ENABLED"] == "false"
    assert mounts(services["registry"])["/auth"] == mounts(services["registry-auth"])["/auth"]
    # The password file comes from the same credentials as the app's, made offline.
    auth = services["registry-auth"]
    assert auth["command"] == ["python", "-m", "builder.registry", "htpasswd", "/auth/htpasswd"]
    assert auth["network_mode"] == "none"
    assert not ports(auth)
    for name in ("ARENA_REGISTRY_USERNAME", "ARENA_REGISTRY_PASSWORD"):
        assert environment(auth)[name] == environment(services["worker"])[name] != ""
        assert environment(workers["services"]["worker"])[name] == environment(auth)[name]
    # Its health check needs no credentials (/v2/ would answer 401).
    assert services["registry"]["healthcheck"]["test"][-1] == "http://127.0.0.1:5000/"
