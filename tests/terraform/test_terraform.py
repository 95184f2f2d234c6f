"""The DigitalOcean deployment in terraform/, checked by parsing: no Terraform binary here.

python-hcl2 parses every .tf file; the checks read the structure (variables declared and
used, firewall rules, the conditional DNS record, outputs). The cloud-init templates are
rendered by a small renderer of the part of Terraform's template syntax they use (``${name}``)
and parsed with PyYAML. Nothing here talks to DigitalOcean.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import hcl2  # python-hcl2, in requirements-dev.txt
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
ANYWHERE = {"0.0.0.0/0", "::/0"}
VPC_RANGE = "digitalocean_vpc.arena.ip_range"
WORKER_COMPOSE_FILE = "docker-compose.worker.yml"

# Values for the template variables that do not come straight from a variable: resource
# attributes and derived locals, as Terraform would compute them.
SAMPLES = {
    "volume_name": "rl-arena-data",
    "secret_key": "Qx7" + "k" * 47,
    "postgres_password": "Pg0123456789abcdefABCDEF01234567",
    "redis_password": "Rd0123456789abcdefABCDEF01234567",
    "registry_password": "Rg0123456789abcdefABCDEF01234567",
    "main_private_ip": "10.110.0.2",
    "vpc_ip_range": "10.110.0.0/20",
    "arena_storage": "s3",
    "spaces_region": "ams3",
}


# --- reading the files ----------------------------------------------------------------------


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and labels: ``'"ams3"'``."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def expression(value: Any) -> str:
    """The expression of an attribute: ``'${var.a == "" ? 0 : 1}'`` gives its inside."""
    text = unquote(value) if isinstance(value, str) else json.dumps(value)
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text


@cache
def parsed() -> dict[str, dict[str, Any]]:
    files = sorted(TERRAFORM.glob("*.tf"))
    assert files, f"no .tf files in {TERRAFORM}"
    result = {}
    for path in files:
        with path.open() as handle:
            result[path.name] = hcl2.load(handle)
    return result


def blocks(kind: str) -> list[dict[str, Any]]:
    return [block for tree in parsed().values() for block in tree.get(kind, [])]


def labelled(kind: str) -> dict[str, dict[str, Any]]:
    """``variable``/``output`` blocks by their label."""
    found = {}
    for block in blocks(kind):
        for label, body in block.items():
            if label.startswith("__"):
                continue
            assert unquote(label) not in found, f"{kind} {label} is declared twice"
            found[unquote(label)] = body
    return found


def resources(kind: str = "resource") -> dict[str, dict[str, Any]]:
    """``resource``/``data`` blocks as ``{"type.name": body}``."""
    found = {}
    for block in blocks(kind):
        for rtype, named in block.items():
            if rtype.startswith("__"):
                continue
            for name, body in named.items():
                if not name.startswith("__"):
                    found[f"{unquote(rtype)}.{unquote(name)}"] = body
    return found


def local_values() -> dict[str, Any]:
    merged = {}
    for block in blocks("locals"):
        merged.update({k: v for k, v in block.items() if not k.startswith("__")})
    return merged


def tfvars_example() -> dict[str, Any]:
    with (TERRAFORM / "terraform.tfvars.example").open() as handle:
        raw = hcl2.load(handle)
    return {
        k: [unquote(i) for i in v] if isinstance(v, list) else unquote(v)
        for k, v in raw.items()
        if not k.startswith("__")
    }


def variable_refs(tree: Any) -> set[str]:
    return set(re.findall(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)", json.dumps(tree)))


# --- Terraform's template syntax, the part the cloud-init templates may use ------------------


def render(template: str, values: dict[str, Any]) -> tuple[str, set[str]]:
    """Renders ``${name}`` interpolations (and the ``$${``/``%%{`` escapes).

    Anything else (an expression, a ``%{ if }`` directive) raises, so the templates stay
    simple enough for this renderer to stand for Terraform's; so does a name missing from
    ``values``, as it would in ``templatefile``.
    """
    out: list[str] = []
    used: set[str] = set()
    i = 0
    while i < len(template):
        if template.startswith(("$${", "%%{"), i):
            out.append(template[i + 1 : i + 3])
            i += 3
        elif template.startswith("%{", i):
            line = template.count("\n", 0, i) + 1
            raise ValueError(f"line {line}: template directives (%{{...}}) are not supported")
        elif template.startswith("${", i):
            end = template.find("}", i)
            inner = template[i + 2 : end] if end != -1 else ""
            name = inner.strip()
            line = template.count("\n", 0, i) + 1
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"line {line}: only ${{name}} interpolations: ${{{inner}}}")
            if name not in values:
                raise KeyError(f"line {line}: ${{{name}}} is not passed to the template")
            used.add(name)
            value = values[name]
            out.append(str(value).lower() if isinstance(value, bool) else str(value))
            i = end + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out), used


def test_the_renderer_follows_terraform_on_escapes_and_refuses_the_rest():
    assert render("a ${x} $${y} %%{z}", {"x": 1}) == ("a 1 ${y} %{z}", {"x"})
    with pytest.raises(ValueError):
        render("${var.x}", {})
    with pytest.raises(ValueError):
        render("%{ if x }y%{ endif }", {"x": True})
    with pytest.raises(KeyError):
        render("${missing}", {})


def user_data(body: dict[str, Any]) -> Any:
    """A droplet's user_data, or an autoscale pool's (in its ``droplet_template``)."""
    if "user_data" in body:
        return body["user_data"]
    for template in body.get("droplet_template", []):
        if "user_data" in template:
            return template["user_data"]
    return None


def template_calls() -> dict[str, tuple[Path, str]]:
    """``{resource: (template path, local map name)}`` of each templatefile in user_data,
    written in place or in a local (``user_data = local.worker_user_data``)."""
    calls = {}
    for address, body in resources().items():
        raw = user_data(body)
        if raw is None:
            continue
        text = expression(raw)
        named = re.fullmatch(r"local\.(\w+)", text)
        if named:
            text = expression(local_values()[named[1]])
        match = re.fullmatch(r'templatefile\("\$\{path\.module\}/([^"]+)", local\.(\w+)\)', text)
        assert match, f"{address}.user_data: templatefile(path, local.<map>) expected, got {text}"
        calls[address] = (TERRAFORM / match[1], match[2])
    return calls


def template_values(map_name: str, **overrides: Any) -> dict[str, Any]:
    """The map a template receives, with the example tfvars standing in for the variables."""
    tfvars = tfvars_example()
    values = {}
    for key, raw in local_values()[map_name].items():
        direct = re.fullmatch(r"var\.(\w+)", expression(raw))
        if direct:
            values[key] = tfvars[direct[1]]
        else:
            assert key in SAMPLES, f"no sample value for {key} = {raw}: add one to SAMPLES"
            values[key] = SAMPLES[key]
    values.update(overrides)
    return values


def rendered_cloud_config(address: str, **overrides: Any) -> tuple[str, dict[str, Any]]:
    path, map_name = template_calls()[address]
    text, _ = render(path.read_text(), template_values(map_name, **overrides))
    return text, yaml.safe_load(text)


def written_file(config: dict[str, Any], path: str) -> dict[str, Any]:
    matches = [entry for entry in config.get("write_files", []) if entry["path"] == path]
    assert len(matches) == 1, f"write_files has no single entry for {path}"
    return matches[0]


def env_lines(content: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in content.splitlines() if "=" in line)
    return {key: value for key, value in pairs if not key.startswith("#")}


# --- the .tf files ----------------------------------------------------------------------------


def test_it_parses_every_file():
    assert set(parsed()) >= {"versions.tf", "variables.tf", "main.tf", "outputs.tf"}
    assert tfvars_example()


def test_it_requires_terraform_1_5_and_the_digitalocean_provider():
    (settings,) = blocks("terraform")
    assert unquote(settings["required_version"]) == ">= 1.5"
    (providers,) = settings["required_providers"]
    assert unquote(providers["digitalocean"]["source"]) == "digitalocean/digitalocean"
    assert "do_token" in variable_refs(blocks("provider"))


def test_every_used_variable_is_declared_and_every_declared_one_is_used():
    declared = set(labelled("variable"))
    # Everything but the variable blocks themselves (a validation names its own variable).
    used = variable_refs(
        [tree for name, tree in parsed().items() if name != "variables.tf"]
        + [{k: v for k, v in parsed()["variables.tf"].items() if k != "variable"}]
    )
    assert used - declared == set(), "used but not declared in variables.tf"
    assert declared - used == set(), "declared but never used"


def test_every_variable_has_a_description_and_a_type():
    for name, body in labelled("variable").items():
        assert unquote(body.get("description", "")).strip(), f"variable {name}: no description"
        assert body.get("type"), f"variable {name}: no type"


def test_the_secrets_are_sensitive_and_the_defaults_are_the_documented_ones():
    variables = labelled("variable")
    for name in ("do_token", "spaces_access_key", "spaces_secret_key"):
        assert variables[name].get("sensitive") is True, name
    assert unquote(variables["region"]["default"]) == "ams3"
    assert variables["worker_count"]["default"] == 0
    assert unquote(variables["domain"]["default"]) == ""
    for name in ("main_size", "worker_size", "ssh_key_fingerprints", "admin_cidrs"):
        assert name in variables
    for name in ("repository_url", "repository_ref", "admin_email", "data_volume_size"):
        assert name in variables


def test_tfvars_example_sets_every_variable_and_nothing_else():
    variables = labelled("variable")
    example = tfvars_example()
    required = {name for name, body in variables.items() if "default" not in body}
    assert required - set(example) == set(), "variables without a default missing"
    assert set(variables) - set(example) == set(), "variables missing from the example"
    assert set(example) - set(variables) == set(), "the example sets undeclared variables"


def test_the_example_values_pass_the_variable_types():
    example = tfvars_example()
    kinds = {"string": str, "number": (int, float), "bool": bool, "${list(string)}": list}
    for name, body in labelled("variable").items():
        assert isinstance(example[name], kinds[body["type"]]), name
        if body["type"] == "number":
            assert not isinstance(example[name], bool), name


# --- the machines -----------------------------------------------------------------------------


def test_the_droplets_live_in_the_vpc_and_the_main_one_carries_the_data_volume():
    everything = resources()
    assert "digitalocean_vpc.arena" in everything
    main = everything["digitalocean_droplet.main"]
    worker = everything["digitalocean_droplet.worker"]
    for body in (main, worker):
        assert expression(body["vpc_uuid"]) == "digitalocean_vpc.arena.id"
        assert expression(body["ssh_keys"]) == "var.ssh_key_fingerprints"
    assert expression(main["volume_ids"]) == '["${digitalocean_volume.data.id}"]'
    volume = everything["digitalocean_volume.data"]
    assert expression(volume["size"]) == "var.data_volume_size"
    assert expression(volume["region"]) == expression(main["region"]) == "var.region"
    assert expression(main["size"]) == "var.main_size"
    assert expression(worker["size"]) == "var.worker_size"


def test_the_fixed_pool_has_worker_count_workers():
    """Which pool exists for which variables: tests/terraform/test_worker_pools.py."""
    assert expression(resources()["digitalocean_droplet.worker"]["count"]) == "local.fixed_workers"
    assert "var.worker_count" in expression(local_values()["fixed_workers"])
    assert unquote(labelled("variable")["worker_count"]["type"]) == "number"


def test_the_secrets_are_generated_without_characters_that_need_quoting():
    everything = resources()
    for name in ("secret_key", "postgres", "redis", "registry"):
        body = everything[f"random_password.{name}"]
        assert body["special"] is False, name
        assert body["length"] >= 32, name


def firewall_rules(name: str, direction: str = "inbound_rule") -> dict[str, list[str]]:
    """``{"tcp/80": [source, ...]}`` of a firewall; a port listed twice fails."""
    rules: dict[str, list[str]] = {}
    addresses = "source_addresses" if direction == "inbound_rule" else "destination_addresses"
    for rule in resources()[f"digitalocean_firewall.{name}"].get(direction, []):
        key = f"{unquote(rule['protocol'])}/{unquote(rule.get('port_range', 'all'))}"
        assert key not in rules, f"firewall {name}: {key} twice"
        sources = rule[addresses]
        if isinstance(sources, str):  # one expression: var.admin_cidrs, local.anywhere
            sources = [sources]
        rules[key] = [unquote(s) for s in sources]
    return rules


def resolved(sources: list[str]) -> set[str]:
    """Sources with ``local.anywhere`` replaced by its value."""
    out = set()
    for source in sources:
        ref = re.fullmatch(r"\$\{local\.(\w+)\}", source)
        if ref:
            out |= {unquote(s) for s in local_values()[ref[1]]}
        else:
            out.add(source)
    return out


def test_the_main_firewall_opens_the_web_to_all_and_the_services_to_the_vpc_only():
    rules = firewall_rules("main")
    assert set(rules) == {"tcp/22", "tcp/80", "tcp/443", "tcp/5432", "tcp/6379", "tcp/5000"}
    assert resolved(rules["tcp/80"]) == ANYWHERE
    assert resolved(rules["tcp/443"]) == ANYWHERE
    for port in ("5432", "6379", "5000"):
        assert rules[f"tcp/{port}"] == [f"${{{VPC_RANGE}}}"], port
    assert rules["tcp/22"] == ["${var.admin_cidrs}"]
    body = resources()["digitalocean_firewall.main"]
    assert expression(body["droplet_ids"]) == '["${digitalocean_droplet.main.id}"]'


def test_workers_only_open_ssh_to_the_administrators():
    assert firewall_rules("worker") == {"tcp/22": ["${var.admin_cidrs}"]}
    body = resources()["digitalocean_firewall.worker"]
    # By tag, never by id: the autoscale pool's droplets are unknown to Terraform.
    assert "droplet_ids" not in body
    assert body["tags"] == ["${digitalocean_tag.worker.id}"]


@pytest.mark.parametrize("name", ["main", "worker"])
def test_every_machine_may_reach_out_anywhere(name):
    rules = firewall_rules(name, "outbound_rule")
    assert set(rules) == {"tcp/1-65535", "udp/1-65535", "icmp/all"}
    for sources in rules.values():
        assert resolved(sources) == ANYWHERE


def test_the_dns_record_exists_only_with_a_domain():
    record = resources()["digitalocean_record.site"]
    zone = resources("data")["digitalocean_domain.zone"]
    for body in (record, zone):
        condition = expression(body["count"])
        assert re.fullmatch(r'var\.domain == "" \|\| !var\.manage_dns \? 0 : 1', condition)
    assert unquote(record["type"]) == "A"
    assert expression(record["value"]) == "digitalocean_droplet.main.ipv4_address"
    assert "digitalocean_domain" not in {a.split(".")[0] for a in resources()}, (
        "the zone is looked up (data source), never owned by this configuration"
    )


def test_the_outputs_give_the_addresses_and_the_site_url():
    outputs = labelled("output")
    expected = {
        "main_public_ip": "digitalocean_droplet.main.ipv4_address",
        "main_private_ip": "digitalocean_droplet.main.ipv4_address_private",
        "worker_public_ips": "digitalocean_droplet.worker[*].ipv4_address",
        "worker_private_ips": "digitalocean_droplet.worker[*].ipv4_address_private",
        "worker_tag": "digitalocean_tag.worker.id",
        "worker_pool_id": "one(digitalocean_droplet_autoscale.worker[*].id)",
        "worker_pool_name": "one(digitalocean_droplet_autoscale.worker[*].name)",
    }
    for name, value in expected.items():
        assert expression(outputs[name]["value"]) == value, name
    site = expression(outputs["site_url"]["value"])
    assert "https://${var.domain}" in site and "http://${digitalocean_droplet.main" in site
    for name, body in outputs.items():
        assert unquote(body.get("description", "")).strip(), f"output {name}: no description"


# --- cloud-init ----------------------------------------------------------------------------


def test_each_droplet_gets_its_own_template_and_every_value_passed_is_used():
    calls = template_calls()
    assert calls["digitalocean_droplet.main"][0] == TERRAFORM / "cloud-init/main.yaml.tftpl"
    assert calls["digitalocean_droplet.worker"][0] == TERRAFORM / "cloud-init/worker.yaml.tftpl"
    # The autoscale pool's droplets boot from the same (test_worker_pools.py renders both).
    pool = calls["digitalocean_droplet_autoscale.worker"]
    assert pool == calls["digitalocean_droplet.worker"]
    for address, (path, map_name) in calls.items():
        passed = local_values()[map_name]
        _, used = render(path.read_text(), {key: "x" for key in passed})
        assert used == set(passed), f"{address}: passed but unused: {set(passed) - used}"


@pytest.mark.parametrize("domain", ["arena.example.org", ""])
def test_the_main_cloud_config_mounts_the_volume_writes_the_env_and_starts_compose(domain):
    text, config = rendered_cloud_config("digitalocean_droplet.main", domain=domain)
    assert text.startswith("#cloud-config\n")
    assert "${" not in text and "%{" not in text
    assert isinstance(config, dict)

    settings = env_lines(written_file(config, "/etc/arena/arena.env")["content"])
    assert settings["ARENA_SECRET_KEY"] == SAMPLES["secret_key"]
    assert settings["ARENA_DEBUG"] == "false"
    assert settings["ARENA_DOMAIN"] == domain
    password = SAMPLES["postgres_password"]
    assert settings["DATABASE_URL"] == f"postgres://arena:{password}@db:5432/arena"
    redis_password = SAMPLES["redis_password"]
    assert settings["CELERY_BROKER_URL"] == f"redis://:{redis_password}@redis:6379/0"

    bootstrap = written_file(config, "/usr/local/sbin/arena-bootstrap")["content"]
    assert f"scsi-0DO_Volume_{SAMPLES['volume_name']}" in bootstrap
    assert "data-root" not in bootstrap  # Docker's data stays off the volume (see below)
    assert "ARENA_REGISTRY=$private_ip:5000" in bootstrap

    (command,) = config["runcmd"]
    assert command.startswith("bash /usr/local/sbin/arena-bootstrap && ")
    assert command.endswith("cd /srv/arena/rl-arena && docker compose up -d --build")


def test_the_worker_cloud_config_points_at_the_main_private_ip_and_starts_the_worker_file():
    text, config = rendered_cloud_config("digitalocean_droplet.worker")
    assert text.startswith("#cloud-config\n")
    assert "${" not in text and "%{" not in text
    ip = SAMPLES["main_private_ip"]

    env = written_file(config, "/srv/arena/.env")
    assert env["permissions"] == "0600"
    settings = env_lines(env["content"])
    assert settings["DATABASE_URL"].endswith(f"@{ip}:5432/arena")
    assert settings["CELERY_BROKER_URL"].endswith(f"@{ip}:6379/0")
    assert settings["ARENA_REGISTRY"] == f"{ip}:5000"
    assert settings["ARENA_STORAGE"] == "s3"
    daemon = json.loads(written_file(config, "/etc/docker/daemon.json")["content"])
    assert daemon["insecure-registries"] == [f"{ip}:5000"]

    (command,) = config["runcmd"]
    assert command.startswith("bash /usr/local/sbin/arena-bootstrap && ")
    assert command.endswith(f"docker compose -f {WORKER_COMPOSE_FILE} up -d --build")


def test_main_and_workers_share_secrets_and_storage_settings():
    _, main = rendered_cloud_config("digitalocean_droplet.main")
    _, worker = rendered_cloud_config("digitalocean_droplet.worker")
    main_env = env_lines(written_file(main, "/etc/arena/arena.env")["content"])
    worker_env = env_lines(written_file(worker, "/srv/arena/.env")["content"])
    shared = {k for k in main_env if k == "ARENA_SECRET_KEY" or k.startswith("ARENA_S")}
    assert shared >= {"ARENA_SECRET_KEY", "ARENA_STORAGE", "ARENA_S3_BUCKET"}
    for key in shared:
        assert worker_env[key] == main_env[key], key
    assert f":{main_env['POSTGRES_PASSWORD']}@" in worker_env["DATABASE_URL"]
    assert f":{main_env['REDIS_PASSWORD']}@" in worker_env["CELERY_BROKER_URL"]


def written_settings(address: str) -> set[str]:
    """The names a machine's .env gets: the file cloud-init writes, and what the bootstrap
    script appends (``echo "NAME=..."``)."""
    _, config = rendered_cloud_config(address)
    names = set()
    for entry in config["write_files"]:
        if entry["path"].endswith((".env", "/arena.env")):
            names |= set(env_lines(entry["content"]))
    bootstrap = written_file(config, "/usr/local/sbin/arena-bootstrap")["content"]
    return names | set(re.findall(r'echo "([A-Z][A-Z0-9_]*)=', bootstrap))


COMPOSE_FILES = {
    "digitalocean_droplet.main": "docker-compose.yml",
    "digitalocean_droplet.worker": WORKER_COMPOSE_FILE,
}


@pytest.mark.parametrize("address", sorted(COMPOSE_FILES))
def test_the_env_sets_what_the_compose_file_requires_and_nothing_it_ignores(address):
    path = ROOT / COMPOSE_FILES[address]
    if not path.is_file():
        pytest.fail(f"cloud-init starts {path.name}, which is missing")
    compose = path.read_text()
    written = written_settings(address)
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", compose))
    assert required, f"{path.name} requires no setting: has the ${{NAME:?...}} form changed?"
    assert required - written == set(), f"{path.name} requires these, the .env lacks them"
    consumed = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    assert written - consumed == set(), f"written to the .env but unused by {path.name}"


@pytest.mark.parametrize("address", ["digitalocean_droplet.main", "digitalocean_droplet.worker"])
@pytest.mark.parametrize("name", ["arena-bootstrap", "arena-container-firewall"])
def test_the_scripts_are_valid_bash_that_stops_at_the_first_error(address, name, tmp_path):
    _, config = rendered_cloud_config(address)
    entry = written_file(config, f"/usr/local/sbin/{name}")
    assert entry["permissions"] == "0755"
    assert entry["content"].startswith("#!/bin/bash\n")
    assert "\nset -euo pipefail\n" in entry["content"]
    script = tmp_path / name
    script.write_text(entry["content"])
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("address", ["digitalocean_droplet.main", "digitalocean_droplet.worker"])
def test_image_builds_cannot_reach_the_metadata_the_vpc_or_the_host_services(address):
    """The metadata serves the cloud-config and its secrets; the VPC has the database."""
    _, config = rendered_cloud_config(address)
    script = written_file(config, "/usr/local/sbin/arena-container-firewall")["content"]
    assert "rule -d 169.254.169.254/32 -j DROP" in script
    assert f"rule -i docker0 -d {SAMPLES['vpc_ip_range']} -j DROP" in script
    assert "rule -i docker0 -m conntrack --ctstate DNAT -j DROP" in script
    unit = written_file(config, "/etc/systemd/system/arena-container-firewall.service")
    assert "ExecStart=/usr/local/sbin/arena-container-firewall" in unit["content"]
    # On before any image is built: the bootstrap builds none, the compose stack after it does.
    bootstrap = written_file(config, "/usr/local/sbin/arena-bootstrap")["content"]
    assert "systemctl enable --now arena-container-firewall" in bootstrap
    assert "docker build" not in bootstrap and "docker compose" not in bootstrap
    assert config["runcmd"][0].startswith("bash /usr/local/sbin/arena-bootstrap && ")


@pytest.mark.skipif(
    shutil.which("terraform") is None, reason="no terraform binary: the parsing tests above stand"
)
def test_terraform_fmt_accepts_every_file():
    """Where a Terraform binary happens to be installed, its own formatter agrees. (`terraform
    validate` would need the provider, which only its registry serves.)"""
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the registry's credentials, the data apart from Docker's -------------------------


def test_every_machine_gets_the_generated_registry_credentials():
    _, main = rendered_cloud_config("digitalocean_droplet.main")
    _, worker = rendered_cloud_config("digitalocean_droplet.worker")
    main_env = env_lines(written_file(main, "/etc/arena/arena.env")["content"])
    worker_env = env_lines(written_file(worker, "/srv/arena/.env")["content"])
    assert main_env["ARENA_REGISTRY_PASSWORD"] == SAMPLES["registry_password"]
    assert main_env["ARENA_REGISTRY_USERNAME"] == "arena"
    for name in ("ARENA_REGISTRY_USERNAME", "ARENA_REGISTRY_PASSWORD"):
        assert worker_env[name] == main_env[name], name
    refs = expression(local_values()["main_cloud_init"]["registry_password"])
    assert refs == "random_password.registry.result"


def test_postgresql_lives_on_the_volume_and_docker_s_data_on_the_droplet_s_disk():
    """Player images filling Docker's disk cannot stop the database: another disk."""
    _, config = rendered_cloud_config("digitalocean_droplet.main")
    bootstrap = written_file(config, "/usr/local/sbin/arena-bootstrap")["content"]
    daemon = bootstrap.split("<<JSON\n", 1)[1].split("JSON\n", 1)[0]
    settings = json.loads(daemon)
    assert "data-root" not in settings  # the default /var/lib/docker, on the droplet's disk
    assert settings["insecure-registries"] == ["$private_ip:5000"]

    override = yaml.safe_load(
        written_file(config, "/etc/arena/docker-compose.override.yml")["content"]
    )
    bound = {
        name: spec["driver_opts"]["device"]
        for name, spec in override["volumes"].items()
        if spec["driver_opts"] == {**spec["driver_opts"], "type": "none", "o": "bind"}
    }
    assert bound == {
        "pgdata": "/srv/arena/postgres",
        "redis": "/srv/arena/redis",
        "media": "/srv/arena/media",
        "letsencrypt": "/srv/arena/letsencrypt",
    }
    # Volumes the compose file declares; the registry's and the images stay with Docker.
    declared = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["volumes"]
    assert set(bound) <= set(declared)
    assert "registry" in declared and "registry" not in bound
    # The folders exist on the mounted volume before compose starts, the override in place.
    mounted = bootstrap.index("mountpoint -q /srv/arena\n")
    for folder in ("postgres", "redis", "media", "letsencrypt"):
        assert bootstrap.index(f"keep {folder} ") > mounted
    assert (
        "cp /etc/arena/docker-compose.override.yml /srv/arena/rl-arena/docker-compose.override.yml"
        in bootstrap
    )
    assert "/docker-compose.override.yml" in bootstrap.split("info/exclude")[0]


@pytest.mark.parametrize(
    ("address", "command"),
    [
        ("digitalocean_droplet.main", "docker compose exec -T worker"),
        ("digitalocean_droplet.worker", f"docker compose -f {WORKER_COMPOSE_FILE} exec -T worker"),
    ],
)
def test_every_machine_prunes_its_superseded_player_images(address, command):
    _, config = rendered_cloud_config(address)
    (line,) = written_file(config, "/etc/cron.d/arena-prune-images")["content"].splitlines()
    minute, hour, *_, user = line.split()[:6]
    assert (minute, hour, user) == ("17", "*", "root")
    assert f"cd /srv/arena/rl-arena && {command} python manage.py prune_images" in line
