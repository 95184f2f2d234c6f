"""The Terraform tests need no database: this ``_games`` stands in for the suite's autouse
fixture of that name, which asks pytest-django for its database blocker, so that
``pytest tests/terraform -p no:django`` runs them without Django."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _games():
    yield
