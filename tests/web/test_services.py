"""web.services: what the site and the API do one way for both, and the shape that keeps it so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Competitor, Environment, Revision
from tests.builder.zips import RANDOM_PLAYER, zip_bytes
from tests.conftest import ROOT
from tests.platform import factories
from web import services

WEB = ROOT / "web"


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_api_and_the_html_views_do_not_import_each_other():
    for path in (WEB / "api" / "views.py", WEB / "api" / "serializers.py"):
        borrowed = {m for m in imported_modules(path) if m.startswith(("web.views", "web.forms"))}
        assert not borrowed, f"{path.name} uses the HTML views' code: {borrowed}"
    for path in (WEB / "views").glob("*.py"):
        borrowed = {m for m in imported_modules(path) if m.startswith("web.api")}
        assert not borrowed, f"{path.name} uses the API's code: {borrowed}"


def test_no_module_of_the_website_imports_a_private_name_of_another():
    for path in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private, f"{path.relative_to(ROOT)} imports {private}"


@pytest.mark.django_db
def test_a_competitor_name_differing_only_in_case_is_taken():
    taken = factories.competitor(name="my-bot")
    game = taken.environment
    with pytest.raises(services.Refused) as refused:
        services.create_competitor(factories.user(), game, "My-Bot", is_public=False)
    assert refused.value.field == "name" and "already has a competitor" in str(refused.value)
    assert Competitor.objects.count() == 1


@pytest.mark.django_db
def test_a_closed_game_takes_no_competitor_and_no_upload():
    competitor = factories.competitor()
    Environment.objects.filter(pk=competitor.environment_id).update(active=False)
    competitor.environment.refresh_from_db()
    with pytest.raises(services.Refused) as refused:
        services.create_competitor(competitor.owner, competitor.environment, "other", False)
    assert refused.value.field == "game"
    zip_file = SimpleUploadedFile("bot.zip", zip_bytes({"player.py": RANDOM_PLAYER}))
    with pytest.raises(services.Refused) as refused:
        services.upload_revision(competitor, zip_file)
    assert refused.value.field == "competitor" and "takes no new submissions" in str(refused.value)
    assert not Revision.objects.exists()
