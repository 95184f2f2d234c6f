"""Every page finished: the error pages with the site's navigation, the favicon, and a home
page that shows live duels, recent results and leaders, counting only ranked competitors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone

from core.models import Duel, Environment, Revision
from tests.platform import factories
from tournament_manager.services import schedule_tournament

pytestmark = pytest.mark.django_db


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


# The site's own addresses plus two that fail, for the error pages (pytest.mark.urls).
urlpatterns = [
    path("forbidden/", _forbidden),
    path("broken/", _broken),
    path("", include("core.urls")),
]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


def test_a_missing_page_is_the_sites_404_with_its_navigation(production):
    response = Client().get("/games/no-such-game/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing at this address" in page
    assert 'class="topbar"' in page and reverse("signup") in page
    assert 'name="viewport"' in page  # sized for a phone, not 980 px wide
    assert "web/favicon.svg" in page


@pytest.mark.urls("tests.web.test_pages")
def test_forbidden_and_broken_pages_are_styled_and_say_what_to_do(production):
    someone = factories.user("someone")
    client = Client(raise_request_exception=False)
    client.force_login(someone)
    response = client.get("/forbidden/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You may not open this page" in page and "someone" in page
    assert 'class="topbar"' in page

    response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "/static/web/arena.css" in page and 'class="topbar"' in page


def test_the_500_page_renders_without_a_request_or_a_database():
    from django.template import loader

    # As Django's server_error renders it: no request, no context processors, no queries.
    page = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in page


def test_an_expired_form_gets_the_sites_page(production):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "a@example.com", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form has expired" in page and 'class="topbar"' in page


def test_the_favicon_is_served_at_both_addresses():
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("web/favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)


def test_staff_see_a_link_to_the_admin_and_others_do_not():
    client = Client()
    client.force_login(factories.user("ada"))
    assert reverse("admin:index") not in client.get("/").content.decode()
    client.force_login(factories.user("root", is_staff=True))
    assert reverse("admin:index") in client.get("/").content.decode()


def _duel(one: Revision, two: Revision, **fields) -> Duel:
    return Duel.objects.create(
        environment=one.competitor.environment,
        revision_1=one,
        revision_2=two,
        rules_version=1,
        num_matches=6,
        **fields,
    )


def test_home_counts_ranked_competitors_and_lists_live_and_recent_duels(
    django_assert_max_num_queries,
):
    game = Environment.objects.get(slug="tic-tac-toe")
    alice = factories.user("alice")
    ranked = [
        factories.valid_revision(factories.competitor(name="alpha", owner=alice)),
        factories.valid_revision(factories.competitor(name="beta", owner=alice)),
        factories.valid_revision(factories.competitor(name="gamma")),
    ]
    edition = schedule_tournament(game, send=False)
    assert edition is not None
    # Never ranked: a failed upload, a build still waiting, a valid one after the edition,
    # and one the organisers disabled.
    factories.valid_revision(factories.competitor(name="broken"), test_state=Revision.TEST_FAILED)
    factories.valid_revision(
        factories.competitor(name="waiting"), image_state=Revision.IMAGE_SCHEDULED
    )
    factories.valid_revision(factories.competitor(name="latecomer"))
    ranked[2].competitor.active = False
    ranked[2].competitor.save()

    now = timezone.now()
    live = _duel(ranked[0], ranked[1], state=Duel.RUNNING, started=now, matches_done=2)
    done = _duel(
        ranked[1],
        ranked[0],
        state=Duel.COMPLETED,
        finished=now,
        result="PLAYER_2_WIN",
        player_1_wins=1,
        player_2_wins=4,
        draws=1,
    )
    edition.participants.filter(revision=ranked[0]).update(rank=1)
    edition.participants.exclude(revision=ranked[0]).update(rank=2)

    with django_assert_max_num_queries(8):
        page = Client().get("/").content.decode()
    card = page[page.index('data-game="tic-tac-toe"') :]
    card = card[: card.index("</section>")]
    assert "<strong>2</strong> ranked competitors" in card
    assert "<strong>1</strong> submitter" in card
    competitor_page = reverse("competitor", args=["tic-tac-toe", "alpha"])
    assert f'<a href="{competitor_page}"><strong>alpha</strong></a>' in card
    assert reverse("tournament", args=["tic-tac-toe", edition.edition]) in card
    assert reverse("duel-live", args=[live.pk]) in page
    assert "match 2/6" in page
    assert reverse("duel", args=[done.pk]) in page
    assert "alpha won 4\u20131, 1 match drawn" in page
