"""Shared fixtures of the environments tests."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from tests.conftest import golden_dir


@pytest.fixture(scope="session")
def golden() -> Any:
    """``golden(slug)`` -> the parsed ``<slug>.json.gz``."""
    folder = golden_dir()
    cache: dict[str, Any] = {}

    def load(slug: str) -> Any:
        if slug not in cache:
            path = folder / f"{slug}.json.gz"
            # The folder exists, so a missing file is a real failure, not a skip.
            with gzip.open(path, "rt", encoding="utf-8") as file:
                cache[slug] = json.load(file)
        return cache[slug]

    return load
