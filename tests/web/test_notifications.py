"""Notifications (web.notifications): mails to a competitor's owner when a revision fails or
validates and when an edition ends, the signed webhook, and the switches on the profile page.

Tasks run in eager mode, as in the embedded demo: sent on commit, run in place. Mails go to
Django's locmem backend (its backend for tests); webhooks to a real HTTP server on loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import pipeline
from core.celery import app
from core.models import Duel, Notification, Revision, User
from run_duel.outcomes import DRAW, PLAYER_1_WIN, PLAYER_2_WIN
from tests.api.conftest import client_with_token
from tests.people import client_for
from tests.platform import factories
from tournament_manager.services import schedule_tournament
from web import notifications, webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(monkeypatch, settings):
    """Every task sent on commit runs in place, its own sends too; mails stay in memory."""
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ARENA_SITE_URL = "https://arena.example"
    settings.ARENA_WEBHOOK_ALLOW_LOOPBACK = True
    settings.ARENA_NOTIFY_MAX_ATTEMPTS = 3
    settings.ARENA_WEBHOOK_TIMEOUT = 5.0


def fail_build(revision: Revision) -> None:
    """The real build task, on a zip gone from storage: it fails at once, without Docker."""
    revision.image_state = Revision.IMAGE_SCHEDULED
    revision.test_state = Revision.TEST_PENDING
    revision.zip_file.name = "gone.zip"
    revision.save()
    pipeline.advance(revision)


# --- The receiving end ----------------------------------------------------------------------


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records each request, answers with ``statuses``."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.requests.append((self.path, dict(self.headers), body))
            status = received.answer()
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("Location", "/elsewhere")
            answer = b"ok" if status < 300 else b"the receiver is busy"
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def do_GET(self) -> None:
            received.requests.append((self.path, dict(self.headers), b""))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/arena"
    yield received
    server.shutdown()
    server.server_close()


def with_webhook(user: User, url: str) -> User:
    user.webhook_url = url
    user.webhook_secret = notifications.new_webhook_secret()
    user.save()
    return user


# --- Mails ----------------------------------------------------------------------------------


def test_mails_tell_a_failure_and_a_validation_and_are_sent_once(
    django_capture_on_commit_callbacks,
):
    owner = factories.user("ada")
    revision = factories.valid_revision(factories.competitor(name="minimax", owner=owner))
    with django_capture_on_commit_callbacks(execute=True):
        fail_build(revision)
    revision.refresh_from_db()
    assert revision.image_state == Revision.IMAGE_FAILED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "[RL Arena] minimax v1 (Tic-tac-toe) failed its build"
    assert "no longer in the arena's storage" in message.body
    page = "https://arena.example/games/tic-tac-toe/competitors/minimax/revisions/1/"
    assert page in message.body and "https://arena.example/account/" in message.body

    # The task sent again (a requeued message) finds the mail sent.
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_revision(revision.pk)
        pipeline.revision_finished(revision)
    assert len(mail.outbox) == 1
    assert Notification.objects.get().mailed is not None

    valid = factories.valid_revision(revision.competitor)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.revision_finished(valid)  # as the validation's finish() calls it
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "[RL Arena] minimax v2 (Tic-tac-toe) is valid"
    assert "next tournament edition" in mail.outbox[1].body


def test_no_revision_mail_when_turned_off(django_capture_on_commit_callbacks):
    owner = factories.user("ada", notify_revisions=False)
    revision = factories.valid_revision(factories.competitor(owner=owner))
    with django_capture_on_commit_callbacks(execute=True):
        fail_build(revision)
        pipeline.revision_finished(factories.valid_revision(revision.competitor))
    assert mail.outbox == []
    assert not Notification.objects.exists()  # nothing to send, nothing recorded

    # Turned off between the event and its mail: not sent either.
    waiting = Notification.objects.create(
        user=owner, key="k", event=Notification.REVISION_FAILED, revision=revision
    )
    notifications.send_notification_mail(waiting.pk)
    assert mail.outbox == []


def test_a_mail_server_out_of_reach_is_tried_a_capped_number_of_times(
    django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    revision = factories.valid_revision()
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.revision_finished(revision)
    notification = Notification.objects.get()
    assert notification.mailed is None and notification.mail_attempts == 3


def finish_edition(*revisions: Revision) -> int:
    """Schedule an edition of those revisions and end its duels, ``revisions[0]`` winning all,
    through the real ranking hook; returns the edition's number."""
    tournament = schedule_tournament(revisions[0].competitor.environment, send=False)
    assert tournament is not None
    for duel in tournament.duels.filter(state=Duel.SCHEDULED):  # not those reused
        winner = {duel.revision_1_id: PLAYER_1_WIN, duel.revision_2_id: PLAYER_2_WIN}
        result = winner.get(revisions[0].pk, DRAW)
        Duel.objects.filter(pk=duel.pk).update(state=Duel.COMPLETED, result=result)
        duel.refresh_from_db()
        pipeline.duel_finished(duel)  # as core.work.finish's ``then`` calls it
    tournament.refresh_from_db()
    assert tournament.state != tournament.RUNNING
    return tournament.edition


def test_an_edition_s_end_mails_each_owner_its_rank_change_and_points(
    django_capture_on_commit_callbacks,
):
    ada, grace, alan = (factories.user(n) for n in ("ada", "grace", "alan"))
    grace.notify_editions = False
    grace.save()
    minimax = factories.valid_revision(factories.competitor(name="minimax", owner=alan))
    rand = factories.valid_revision(factories.competitor(name="random", owner=ada))
    with django_capture_on_commit_callbacks(execute=True):
        assert finish_edition(rand, minimax) == 1
    first = {m.to[0]: m for m in mail.outbox}
    assert set(first) == {"ada@example.com", "alan@example.com"}
    assert "rank #1 of 2 (its first ranked edition)" in first["ada@example.com"].body
    mail.outbox.clear()

    dummy = factories.valid_revision(factories.competitor(name="dummy", owner=grace))
    rand = factories.valid_revision(rand.competitor)  # v2: its duels are played anew
    with django_capture_on_commit_callbacks(execute=True):
        assert finish_edition(minimax, rand, dummy) == 2
    by_owner = {m.to[0]: m for m in mail.outbox}
    assert set(by_owner) == {"ada@example.com", "alan@example.com"}  # grace turned it off
    alan_mail = by_owner["alan@example.com"]
    assert alan_mail.subject == "[RL Arena] Tic-tac-toe edition 2: minimax #1 of 3"
    assert "rank #1 of 3 (up 1 place since edition 1)" in alan_mail.body
    assert "Points: 4, duels W-D-L 2-0-0" in alan_mail.body
    assert "https://arena.example/games/tic-tac-toe/editions/2/" in alan_mail.body
    assert "since edition 1" in by_owner["ada@example.com"].body
    assert "random v2: rank #" in by_owner["ada@example.com"].body

    # Ending it again (a requeued duel) mails nobody twice.
    edition = minimax.competitor.environment.tournaments.get(edition=2)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_edition(edition.pk)
    assert len(mail.outbox) == 2


# --- Webhooks -------------------------------------------------------------------------------


def test_the_webhook_gets_the_api_s_json_signed(django_capture_on_commit_callbacks, receiver):
    owner = with_webhook(factories.user("ada", notify_revisions=False), receiver.url)
    competitor = factories.competitor(name="minimax", owner=owner)
    revision = factories.valid_revision(competitor, test_duel={"result": "DRAW"})
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.revision_finished(revision)
    assert mail.outbox == []  # mails off, webhook on
    [(path, headers, body)] = receiver.requests
    assert path == "/hooks/arena"
    expected = "sha256=" + hmac.new(owner.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Arena-Signature"] == expected
    assert headers["X-Arena-Event"] == "revision.validated"
    payload = json.loads(body)
    api = client_with_token(owner).get(reverse("api-revisions", args=["tic-tac-toe", "minimax"]))
    rows = api.json()["results"] if isinstance(api.json(), dict) else api.json()
    assert payload["revision"] == rows[0]  # the API's own representation, to its owner
    assert payload["event"] == "revision.validated" and payload["competitor"] == "minimax"
    owner.refresh_from_db()
    assert owner.webhook_status == "minimax v1 validated: delivered (HTTP 200)"
    assert Notification.objects.get().webhook_state == Notification.WEBHOOK_DELIVERED

    # Sent again, delivered once.
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.revision_finished(revision)
        notifications.deliver_webhook(Notification.objects.get().pk)
    assert len(receiver.requests) == 1


def test_an_edition_s_webhook_carries_the_participation(
    django_capture_on_commit_callbacks, receiver
):
    owner = with_webhook(factories.user("ada"), receiver.url)
    one = factories.valid_revision(factories.competitor(name="minimax", owner=owner))
    two = factories.valid_revision()
    with django_capture_on_commit_callbacks(execute=True):
        finish_edition(one, two)
    [payload] = [json.loads(body) for _, headers, body in receiver.requests]
    assert payload["event"] == "edition.finished"
    assert payload["edition"]["edition"] == 1 and payload["edition"]["state"] == "COMPLETED"
    api = client_for(owner).get(reverse("api-tournament", args=["tic-tac-toe", 1]))
    row = next(r for r in api.json()["leaderboard"] if r["competitor"] == "minimax")
    assert payload["participation"] == row


def test_a_failing_webhook_is_retried_a_capped_number_of_times(
    django_capture_on_commit_callbacks, receiver
):
    receiver.statuses = [500]
    owner = with_webhook(factories.user("ada", notify_revisions=False), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.revision_finished(factories.valid_revision(factories.competitor(owner=owner)))
    assert len(receiver.requests) == 3  # ARENA_NOTIFY_MAX_ATTEMPTS
    notification = Notification.objects.get()
    assert notification.webhook_state == Notification.WEBHOOK_FAILED
    assert notification.webhook_attempts == 3
    owner.refresh_from_db()
    assert "v1 validated: failed after 3 attempts (HTTP 500 Internal Server Error" in (
        owner.webhook_status
    )


def test_a_webhook_that_recovers_is_delivered(django_capture_on_commit_callbacks, receiver):
    receiver.statuses = [503, 200]
    owner = with_webhook(factories.user("ada", notify_revisions=False), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.revision_finished(factories.valid_revision(factories.competitor(owner=owner)))
    assert len(receiver.requests) == 2
    assert Notification.objects.get().webhook_state == Notification.WEBHOOK_DELIVERED


def test_a_redirect_is_not_followed(django_capture_on_commit_callbacks, receiver):
    receiver.statuses = [302]
    owner = with_webhook(factories.user("ada", notify_revisions=False), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.revision_finished(factories.valid_revision(factories.competitor(owner=owner)))
    assert [path for path, _, _ in receiver.requests] == ["/hooks/arena"]  # not /elsewhere
    owner.refresh_from_db()
    assert "redirects are not followed" in owner.webhook_status


def test_private_and_loopback_addresses_are_refused(receiver, settings):
    for url in (
        "http://10.0.0.1/hook",
        "http://192.168.1.20:8080/hook",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::ffff:10.0.0.1]/hook",
        "http://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
        "http://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
    ):
        delivery = webhooks.post(url, b"{}", secret="s", event="e", timeout=2, allow_loopback=True)
        assert delivery.status is None and "private or local address" in delivery.error, url
    # Loopback only when the setup allows it: then nothing reaches the receiver.
    delivery = webhooks.post(receiver.url, b"{}", secret="s", event="e", timeout=2)
    assert "private or local address" in delivery.error and receiver.requests == []
    assert webhooks.allowed_address("93.184.215.14", allow_loopback=False)
    assert not webhooks.allowed_address("::1", allow_loopback=False)
    assert webhooks.allowed_address("::1", allow_loopback=True)
    for url, message in (
        ("ftp://example.com/x", "starts with https://"),
        ("https://user:pw@example.com/", "user name or password"),
        ("https://example.com:99999/", "port is not valid"),
    ):
        delivery = webhooks.post(url, b"{}", secret="s", event="e", timeout=2)
        assert message in delivery.error
    # A refused address is not tried again.
    settings.ARENA_WEBHOOK_ALLOW_LOOPBACK = False
    owner = with_webhook(factories.user("ada", notify_revisions=False), receiver.url)
    Notification.objects.create(
        user=owner,
        key="k",
        event=Notification.REVISION_VALIDATED,
        revision=factories.valid_revision(),
        webhook_state=Notification.WEBHOOK_SCHEDULED,
    )
    notifications.deliver_webhook(Notification.objects.get().pk)
    notification = Notification.objects.get()
    assert notification.webhook_state == Notification.WEBHOOK_FAILED
    assert notification.webhook_attempts == 1 and receiver.requests == []


def test_an_https_webhook_checks_the_certificate(tmp_path):
    """TLS to the pinned address still checks the certificate against the host's name."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/hook"
        delivery = webhooks.post(url, b"{}", secret="s", event="e", timeout=5, allow_loopback=True)
    finally:
        server.shutdown()
        server.server_close()
    assert delivery.status is None and "CERTIFICATE_VERIFY_FAILED" in delivery.error
    assert requests == []  # a self-signed certificate is not trusted: nothing was sent


# --- The profile page -----------------------------------------------------------------------


def test_the_profile_page_turns_mails_off_and_sets_a_webhook(receiver, settings):
    owner = factories.user("ada")
    client = client_for(owner)
    page = client.get(reverse("profile-edit")).content.decode()
    assert 'name="notify_revisions"' in page and 'name="notify_editions"' in page
    assert "checked" in page

    form = {"github_username": "", "team": "", "notify_editions": "on"}
    response = client.post(reverse("profile-edit"), form)
    assert response["Location"] == reverse("profile", args=["ada"])
    owner.refresh_from_db()
    assert (owner.notify_revisions, owner.notify_editions) == (False, True)

    refused = client.post(reverse("profile-edit"), {**form, "webhook_url": "http://10.1.2.3/x"})
    assert "private or local address: webhooks go to public addresses only" in (
        refused.content.decode()
    )
    response = client.post(reverse("profile-edit"), {**form, "webhook_url": receiver.url})
    assert response["Location"] == reverse("profile-edit")  # to show the secret
    owner.refresh_from_db()
    assert owner.webhook_secret.startswith("whsec_")
    shown = client.get(reverse("profile-edit")).content.decode()
    assert owner.webhook_secret in shown and "nothing sent yet" in shown
    assert owner.webhook_secret not in client.get(reverse("profile-edit")).content.decode()

    old = owner.webhook_secret
    client.post(reverse("webhook-secret"))
    owner.refresh_from_db()
    assert owner.webhook_secret != old
    assert owner.webhook_secret in client.get(reverse("profile-edit")).content.decode()

    client.post(reverse("profile-edit"), form)  # the address removed: no secret left
    owner.refresh_from_db()
    assert (owner.webhook_url, owner.webhook_secret) == ("", "")


def test_a_build_the_sweep_gives_up_is_told_to_its_owner(
    django_capture_on_commit_callbacks, settings
):
    stale = timezone.now() - timezone.timedelta(hours=2)
    revision = factories.valid_revision(
        image_state=Revision.IMAGE_RUNNING,
        image_attempts=settings.ARENA_MAX_BUILD_ATTEMPTS,  # none left
        test_state=Revision.TEST_PENDING,
        heartbeat=stale,
        created=stale,
    )
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.requeue_stuck_work()
    revision.refresh_from_db()
    assert revision.image_state == Revision.IMAGE_FAILED
    [message] = mail.outbox
    assert message.subject.endswith("failed its build"), message.subject
    assert "gave up" in message.body, message.body
