"""The worker machines of terraform/: a fixed pool (``worker_count`` droplets) or a
DigitalOcean autoscale pool (``worker_mode = "autoscale"``).

Checked by parsing, as the rest of terraform/ is (test_terraform.py), and by evaluating the
expressions that decide what exists (the ``count`` switches, the variables' validations, the
pool's preconditions and ``config``) with a stand-in for the part of Terraform's language they
use (expressions.py). Nothing here talks to DigitalOcean.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.terraform.expressions import evaluate
from tests.terraform.test_terraform import (
    ROOT,
    TERRAFORM,
    blocks,
    expression,
    labelled,
    local_values,
    parsed,
    rendered_cloud_config,
    resources,
    tfvars_example,
    unquote,
)

POOL = "digitalocean_droplet_autoscale.worker"
FIXED = "digitalocean_droplet.worker"

# Facts about the DigitalOcean provider, copied from its declaration of the resource
# (terraform-provider-digitalocean, digitalocean/dropletautoscale/resource_droplet_autoscale.go,
# the resource exists from v2.46.0): no Terraform here can load the provider's schema, so our
# argument names are checked against these.
AUTOSCALE_PROVIDER_VERSION = (2, 46)
AUTOSCALE_ARGUMENTS = {"name", "config", "droplet_template"}  # all three required
CONFIG_ARGUMENTS = {
    "min_instances",
    "max_instances",
    "target_cpu_utilization",
    "target_memory_utilization",
    "cooldown_minutes",
    "target_number_instances",  # a fixed-size pool; excludes every other one
}
TEMPLATE_ARGUMENTS = {
    "size",
    "region",
    "image",
    "tags",
    "ssh_keys",
    "vpc_uuid",
    "with_droplet_agent",
    "project_id",
    "ipv6",
    "user_data",
    "public_networking",
}
TEMPLATE_REQUIRED = {"size", "region", "image", "ssh_keys"}
META_ARGUMENTS = {"count", "lifecycle", "depends_on", "provider"}


def own(body: dict[str, Any]) -> set[str]:
    """The arguments and blocks of a body, without python-hcl2's ``__...__`` keys."""
    return {key for key in body if not key.startswith("__")}


def single_block(body: dict[str, Any], name: str) -> dict[str, Any]:
    (block,) = body[name]
    return block


def local_expressions() -> dict[str, str]:
    return {name: expression(value) for name, value in local_values().items()}


def variables(**overrides: Any) -> dict[str, Any]:
    """Every variable's value: the example tfvars (which set them all), then ``overrides``."""
    return {**tfvars_example(), **overrides}


def value_of(raw: Any, **overrides: Any) -> Any:
    """The value of an attribute as written in a .tf file, for these variables."""
    if isinstance(raw, bool | int | float) or raw is None:
        return raw
    if isinstance(raw, str) and unquote(raw) != raw and "${" not in raw:
        return unquote(raw)  # a string literal: python-hcl2 keeps its quotes
    return evaluate(expression(raw), variables(**overrides), local_expressions())


SPACES = {"spaces_bucket": "rl-arena-files", "spaces_access_key": "AK", "spaces_secret_key": "SK"}


# --- the provider -------------------------------------------------------------------------


def test_the_pool_uses_only_arguments_the_provider_declares():
    pool = resources()[POOL]
    assert own(pool) - META_ARGUMENTS == AUTOSCALE_ARGUMENTS
    config = single_block(pool, "config")
    assert own(config) <= CONFIG_ARGUMENTS
    assert "target_number_instances" not in config, "that one is a fixed pool and excludes the rest"
    template = single_block(pool, "droplet_template")
    assert own(template) <= TEMPLATE_ARGUMENTS
    assert own(template) >= TEMPLATE_REQUIRED


def test_the_provider_version_allowed_has_the_autoscale_resource():
    (settings,) = blocks("terraform")
    (providers,) = settings["required_providers"]
    constraint = unquote(providers["digitalocean"]["version"])
    match = re.fullmatch(r"~> (\d+)\.(\d+)", constraint)
    assert match, f"a ~> MAJOR.MINOR constraint expected, got {constraint}"
    assert (int(match[1]), int(match[2])) >= AUTOSCALE_PROVIDER_VERSION


# --- which pool exists ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "droplets", "pools"),
    [
        ({"worker_mode": "fixed", "worker_count": 0}, 0, 0),
        ({"worker_mode": "fixed", "worker_count": 3}, 3, 0),
        ({"worker_mode": "autoscale", "worker_count": 0}, 0, 1),
        # worker_count is the fixed pool's: switching to autoscale replaces those droplets.
        ({"worker_mode": "autoscale", "worker_count": 3}, 0, 1),
    ],
)
def test_exactly_one_kind_of_pool_exists(overrides, droplets, pools):
    everything = resources()
    assert value_of(everything[FIXED]["count"], **overrides) == droplets
    assert value_of(everything[POOL]["count"], **overrides) == pools


def test_an_existing_deployment_keeps_its_fixed_workers():
    """The defaults are the fixed pool of before this choice existed: applying the new
    configuration with an old terraform.tfvars changes no worker."""
    declared = labelled("variable")
    assert unquote(declared["worker_mode"]["default"]) == "fixed"
    assert declared["worker_count"]["default"] == 0
    assert value_of(resources()[POOL]["count"], worker_mode="fixed") == 0


@pytest.mark.parametrize(
    ("memory", "sent"),
    [(0, None), (0.7, 0.7)],
)
def test_the_pool_scales_between_the_variables_bounds_on_cpu(memory, sent):
    config = single_block(resources()[POOL], "config")
    overrides = {
        "worker_min": 2,
        "worker_max": 6,
        "worker_target_cpu": 0.5,
        "worker_target_memory": memory,
        "worker_cooldown_minutes": 15,
    }
    values = {name: value_of(config[name], **overrides) for name in own(config)}
    assert values == {
        "min_instances": 2,
        "max_instances": 6,
        "target_cpu_utilization": 0.5,
        # null: the provider sends nothing, and the pool decides on CPU alone.
        "target_memory_utilization": sent,
        "cooldown_minutes": 15,
    }


# --- the variables ----------------------------------------------------------------------------


def validation_passes(name: str, value: Any) -> bool:
    (rule,) = labelled("variable")[name]["validation"]
    return evaluate(expression(rule["condition"]), {name: value}, {})


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("worker_mode", ["fixed", "autoscale"], ["auto", "", "Fixed"]),
        ("worker_count", [0, 1, 20], [-1, 1.5]),
        # DigitalOcean's pools: 1 to 500 kept, 1 to 1000 at most.
        ("worker_min", [1, 3, 500], [0, 501, 2.5]),
        ("worker_max", [1, 10, 1000], [0, 1001, 4.5]),
        # At 1 the pool could never grow (its size is ceil(n * used / target)).
        ("worker_target_cpu", [0.05, 0.6, 0.95], [0, 0.01, 1, 60]),
        ("worker_target_memory", [0, 0.05, 0.8], [0.01, 1, 80]),
        ("worker_cooldown_minutes", [1, 10, 60], [0, 2.5, -5]),
    ],
)
def test_the_worker_variables_refuse_what_the_pool_cannot_use(name, good, bad):
    body = labelled("variable")[name]
    assert unquote(body["type"]) in {"string", "number"}
    assert validation_passes(name, tfvars_example()[name]), f"the example's {name}"
    assert validation_passes(name, value_of(body["default"])), f"the default {name}"
    for value in good:
        assert validation_passes(name, value), f"{name} = {value!r} refused"
    for value in bad:
        assert not validation_passes(name, value), f"{name} = {value!r} accepted"


def preconditions(address: str) -> list[dict[str, Any]]:
    (lifecycle,) = resources()[address]["lifecycle"]
    return lifecycle["precondition"]


def failed_preconditions(address: str, **overrides: Any) -> list[str]:
    return [
        unquote(rule["error_message"])
        for rule in preconditions(address)
        if not value_of(rule["condition"], **overrides)
    ]


def test_the_pool_refuses_a_minimum_above_its_maximum():
    ok = {"worker_mode": "autoscale", **SPACES}
    assert failed_preconditions(POOL, **ok, worker_min=2, worker_max=2) == []
    (message,) = failed_preconditions(POOL, **ok, worker_min=3, worker_max=2)
    assert "worker_min is above worker_max" in message
    assert "Lower worker_min or raise worker_max" in message


@pytest.mark.parametrize("address", [FIXED, POOL])
def test_either_pool_refuses_to_start_without_shared_storage(address):
    for missing in SPACES:
        (message,) = failed_preconditions(address, **{**SPACES, missing: ""})
        assert "set spaces_bucket, spaces_access_key and spaces_secret_key" in message
    # One rule, said once: the two pools' conditions are the same local.
    condition = [expression(rule["condition"]) for rule in preconditions(address)]
    assert "local.shared_storage" in condition


# --- the pool's droplets are workers like the others -------------------------------------


def test_both_pools_boot_from_one_rendered_cloud_config():
    """A droplet the pool adds at 3 a.m. gets what a fixed worker gets: the main droplet's
    private address, the passwords, the storage settings, and it starts the worker stack."""
    fixed_text, fixed_config = rendered_cloud_config(FIXED)
    pool_text, pool_config = rendered_cloud_config(POOL)
    assert pool_text == fixed_text
    assert pool_config["runcmd"] == fixed_config["runcmd"]
    template = single_block(resources()[POOL], "droplet_template")
    assert expression(template["user_data"]) == "local.worker_user_data"
    assert expression(resources()[FIXED]["user_data"]) == "local.worker_user_data"


def test_the_pool_s_droplets_are_the_fixed_pool_s_machines():
    fixed = resources()[FIXED]
    template = single_block(resources()[POOL], "droplet_template")
    for name in ("size", "region", "image", "vpc_uuid", "ssh_keys", "tags"):
        assert expression(template[name]) == expression(fixed[name]), name
    # The metrics agent: `monitoring` on a droplet, `with_droplet_agent` in a pool, which
    # scales on what it reports.
    assert fixed["monitoring"] is True
    assert template["with_droplet_agent"] is True


def test_every_rule_finds_a_pool_droplet_by_its_tag_or_its_network():
    everything = resources()
    template = single_block(everything[POOL], "droplet_template")
    # Its tags: the worker tag, a resource the firewall selects its droplets by.
    assert expression(template["tags"]) == "local.worker_tags"
    tags = [expression(tag) for tag in local_values()["worker_tags"]]
    assert "digitalocean_tag.worker.id" in tags
    assert unquote(everything["digitalocean_tag.worker"]["name"]) == "${var.name}-worker"
    assert everything["digitalocean_firewall.worker"]["tags"] == ["${digitalocean_tag.worker.id}"]
    # Its network: the VPC, the one source the main droplet's PostgreSQL, Redis and registry
    # admit (test_terraform.py checks those rules).
    assert expression(template["vpc_uuid"]) == "digitalocean_vpc.arena.id"


def test_nothing_but_the_fixed_pool_s_outputs_lists_worker_droplets_by_id():
    """A pool droplet is never in a list of ids: any rule or output written that way would
    leave it out. Only the fixed pool's addresses, documented as such, list droplets."""
    for name, tree in parsed().items():
        if name == "outputs.tf":
            continue
        assert "digitalocean_droplet.worker" not in json.dumps(tree), name
    outputs = labelled("output")
    listing = {
        name for name, body in outputs.items() if "digitalocean_droplet.worker" in json.dumps(body)
    }
    assert listing == {"worker_public_ips", "worker_private_ips"}
    for name in listing:
        assert "autoscale" in unquote(outputs[name]["description"]), name


# --- the documentation ------------------------------------------------------------------------


def test_the_example_and_the_docs_show_both_modes():
    example = (TERRAFORM / "terraform.tfvars.example").read_text()
    assert 'worker_mode = "fixed", worker_count = 2' in example
    assert 'worker_mode = "autoscale", worker_min = 1, worker_max = 4' in example
    deploy = (ROOT / "DEPLOY.md").read_text()
    assert "## Workers: a fixed pool or an autoscale pool" in deploy
    section = deploy.split("## Workers: a fixed pool or an autoscale pool", 1)[1].split("\n## ")[0]
    for name in ("worker_count", "worker_min", "worker_max", "worker_target_cpu"):
        assert name in section, name
    assert "worker_cooldown_minutes" in section
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Production", 1)[1].split("\n## ")[0]
    for mode in ("fixed", "autoscale"):
        assert re.search(rf'\nworker_mode += "{mode}"', production), mode
        assert re.search(rf'\nworker_mode += "{mode}"', section), mode
