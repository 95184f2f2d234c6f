"""Accounts: sign up, log in with the email address, log out, password reset, profiles."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Environment, Revision, Tournament, TournamentParticipant, User
from tests.platform import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


def sign_up(client: Client, **fields) -> object:
    data = {
        "email": "ada@example.com",
        "username": "ada",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "github_username": "",
        "team": "",
        **fields,
    }
    return client.post(reverse("signup"), data)


def logged_in_user(client: Client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_it_signs_up_logs_in_and_sends_to_the_submit_page(anonymous):
    assert anonymous.get(reverse("signup")).status_code == 200
    response = sign_up(anonymous, github_username="https://github.com/ada-l/", team="Analytical")
    assert response.status_code == 302 and response["Location"] == reverse("submit")
    user = User.objects.get(username="ada")
    assert (user.email, user.github_username, user.team) == (
        "ada@example.com",
        "ada-l",
        "Analytical",
    )
    assert logged_in_user(anonymous) == user
    page = anonymous.get(reverse("submit")).content.decode()
    assert "Welcome, ada!" in page


def test_it_then_logs_in_with_the_email_address(anonymous):
    sign_up(anonymous)
    anonymous.post(reverse("logout"))
    assert logged_in_user(anonymous) is None
    page = anonymous.get(reverse("login")).content.decode()
    assert 'type="email"' in page and "Forgot your password?" in page
    response = anonymous.post(
        reverse("login"), {"username": "Ada@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert logged_in_user(anonymous).username == "ada"


def test_it_goes_back_where_login_was_asked(anonymous, owner):
    response = anonymous.get(reverse("submit"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/submit/"
    response = anonymous.post(
        f"{reverse('login')}?next=/submit/",
        {"username": owner.email, "password": "pw", "next": "/submit/"},
    )
    assert response["Location"] == "/submit/"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("owner@example.com", "wrong", "This email address and password do not match an account"),
        ("nobody@example.com", "pw", "This email address and password do not match an account"),
        ("owner", "pw", "Enter the email address you signed up with, not your public name."),
    ],
)
def test_a_failed_login_says_what_to_do(anonymous, owner, username, password, message):
    response = anonymous.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "reset your password" in response.content.decode() or "public name" in message
    assert logged_in_user(anonymous) is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "OWNER@example.com"}, "email", "An account already uses this email address"),
        ({"username": "Owner"}, "username", "The public name &#x27;Owner&#x27; is taken"),
        (
            {"password2": "something else 42"},
            "password2",
            "The two passwords differ: type the same",
        ),
        ({"password1": "short", "password2": "short"}, "password2", "too short"),
        ({"github_username": "not a name!"}, "github_username", "A GitHub username has only"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ],
)
def test_a_rejected_sign_up_says_why_next_to_the_field(anonymous, owner, fields, field, message):
    response = sign_up(anonymous, **fields)
    assert response.status_code == 200
    page = response.content.decode()
    errors = page.split(f'id="id_{field}_error"')[1].split("</ul>")[0]
    assert message in errors
    assert not User.objects.filter(username="ada").exists()
    assert logged_in_user(anonymous) is None


def test_logout_is_post_only(as_owner, owner):
    assert as_owner.get(reverse("logout")).status_code == 405
    assert logged_in_user(as_owner) == owner
    response = as_owner.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert logged_in_user(as_owner) is None


def test_the_logout_form_carries_a_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    page = client.get(reverse("profile", args=["owner"])).content.decode()
    assert re.search(r'action="/logout/".*?name="csrfmiddlewaretoken"', page, re.S)
    assert client.post(reverse("logout")).status_code == 403
    assert logged_in_user(client) == owner


def test_a_password_reset_email_carries_a_working_link(anonymous, owner, mailoutbox):
    assert anonymous.get(reverse("password_reset")).status_code == 200
    response = anonymous.post(reverse("password_reset"), {"email": "Owner@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert "Check your email" in anonymous.get(response["Location"]).content.decode()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["owner@example.com"] and mail.subject == "Your RL Arena password"
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.body).group(1)

    # Django swaps the token for a session key, then shows the form.
    response = anonymous.get(link, follow=True)
    assert "Choose a new password" in response.content.decode()
    assert "no longer valid" not in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    new = "another long passphrase 7"
    response = anonymous.post(form_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("password_reset_complete")
    assert "Your password is changed" in anonymous.get(response["Location"]).content.decode()

    response = anonymous.post(reverse("login"), {"username": owner.email, "password": new})
    assert response.status_code == 302
    # A link works once.
    assert "no longer valid" in anonymous.get(link, follow=True).content.decode()


def test_a_password_reset_for_an_unknown_address_sends_nothing(anonymous, mailoutbox):
    response = anonymous.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")  # tells no one who exists
    assert mailoutbox == []


@pytest.fixture
def competitors(owner):
    """A public and a private competitor of the owner, the public one ranked 2nd."""
    public = factories.competitor("connect-four", "open-bot", owner, is_public=True)
    private = factories.competitor("tic-tac-toe", "hidden-bot", owner)
    ranked = factories.valid_revision(public)
    rival = factories.valid_revision(factories.competitor("connect-four"))
    tournament = Tournament.objects.create(
        environment=Environment.objects.get(slug="connect-four"), edition=4
    )
    TournamentParticipant.objects.create(tournament=tournament, revision=ranked, rank=2)
    TournamentParticipant.objects.create(tournament=tournament, revision=rival, rank=1)
    factories.valid_revision(private, image_state=Revision.IMAGE_FAILED, test_state="TEST_PENDING")
    return public, private


@pytest.mark.parametrize(
    ("viewer", "sees_private"),
    [("as_owner", True), ("as_staff", True), ("as_stranger", False), ("anonymous", False)],
)
def test_a_profile_lists_private_competitors_to_their_owner_and_staff_only(
    request, owner, competitors, viewer, sees_private
):
    response = request.getfixturevalue(viewer).get(reverse("profile", args=["owner"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "open-bot" in page and "Connect four" in page and "public" in page
    assert ">2</a>" in page and reverse("tournament", args=["connect-four", 4]) in page
    assert ("hidden-bot" in page) is sees_private
    assert ("build failed" in page) is sees_private
    assert ("Edit GitHub username and team" in page) is (viewer == "as_owner")


def test_an_unknown_profile_is_404(anonymous):
    assert anonymous.get(reverse("profile", args=["nobody"])).status_code == 404


def test_it_edits_ones_own_github_username_and_team(as_owner, owner):
    assert as_owner.get(reverse("profile-edit")).status_code == 200
    response = as_owner.post(
        reverse("profile-edit"), {"github_username": "@octo-cat", "team": " Lab 7 "}
    )
    assert response["Location"] == reverse("profile", args=["owner"])
    owner.refresh_from_db()
    assert (owner.github_username, owner.team) == ("octo-cat", "Lab 7")
    page = as_owner.get(response["Location"]).content.decode()
    assert 'href="https://github.com/octo-cat"' in page and "Lab 7" in page

    response = as_owner.post(reverse("profile-edit"), {"github_username": "-bad-", "team": ""})
    assert "A GitHub username has only letters" in response.content.decode()


def test_editing_a_profile_needs_a_login(anonymous):
    response = anonymous.get(reverse("profile-edit"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_profile_escapes_team_and_github_username(anonymous, owner):
    owner.team = "<script>alert('team')</script>"
    owner.github_username = "<script>x</script>"  # only possible through the admin
    owner.save()
    page = anonymous.get(reverse("profile", args=["owner"])).content.decode()
    assert "<script>" not in page.split("<main")[1]
    assert "&lt;script&gt;alert(&#x27;team&#x27;)&lt;/script&gt;" in page


def test_a_profile_makes_the_same_queries_for_many_competitors(as_owner, owner):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_owner.get(reverse("profile", args=["owner"])).status_code == 200
        return len(captured)

    factories.valid_revision(factories.competitor("quarto", owner=owner))
    few = count()
    for _ in range(8):
        factories.valid_revision(factories.competitor("quarto", owner=owner))
    assert count() == few
