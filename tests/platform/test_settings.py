"""Settings come from the environment, fail early on bad values, and are all documented."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_choice, env_database, env_int
from tests.conftest import ROOT


def test_every_setting_read_is_in_example_env():
    source = (ROOT / "core" / "settings.py").read_text()
    read = set(re.findall(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"', source))
    documented = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (ROOT / "example.env").read_text(), re.M))
    assert read, "no setting found: the pattern is out of date"
    assert read - documented == set()


@pytest.mark.parametrize(
    ("reader", "value", "message"),
    [
        (lambda: env_int("X", 1), "ten", "X='ten' is not a whole number, e.g. 1"),
        (lambda: env_int("X", 1, minimum=2), "1", "X=1 is below its minimum, 2"),
        (lambda: env_bool("X"), "maybe", "X='maybe' is not a boolean: use true or false"),
        (lambda: env_choice("X", "a", ("a", "b")), "c", "X='c' is not one of: a, b"),
        (lambda: env_database("X", ""), "mysql://h/db", "use postgres://"),
    ],
)
def test_a_bad_value_stops_with_a_clear_message(monkeypatch, reader, value, message):
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        reader()


def test_database_urls(monkeypatch):
    monkeypatch.setenv("X", "postgres://arena:s%40cret@db:5433/arena")
    config = env_database("X", "").django()
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "arena", "s@cret", "db", "5433", "arena",
    )  # fmt: skip
    monkeypatch.setenv("X", "sqlite:////var/lib/arena/db.sqlite3")
    assert env_database("X", "").django()["NAME"] == "/var/lib/arena/db.sqlite3"
    monkeypatch.setenv("X", "sqlite:///var/arena.sqlite3")
    assert env_database("X", "").django()["NAME"] == "var/arena.sqlite3"


def test_the_process_sandbox_is_refused_unless_allowed(settings):
    from core.checks import sandbox_check

    settings.ARENA_SANDBOX = "process"
    settings.ARENA_ALLOW_PROCESS_SANDBOX = False
    assert [e.id for e in sandbox_check(None)] == ["arena.E001"]
    settings.ARENA_ALLOW_PROCESS_SANDBOX = True
    assert sandbox_check(None) == []
