"""The profile page's notification settings, in a real browser at laptop and phone widths: turn
a kind of mail off, set a webhook (its secret shown once), and read how its deliveries went.

The webhook's receiver is a real HTTP server on loopback (tests/web/test_notifications.py).
"""

from __future__ import annotations

import pytest

from core.models import Notification, User
from tests.browser.plugin import screenshot
from tests.platform import factories
from tests.web.test_notifications import receiver  # noqa: F401 (a fixture)
from web import notifications

pytestmark = [pytest.mark.browser]

PASSWORD = "a long passphrase 42"


def test_the_profile_page_sets_notifications_and_shows_the_webhook_s_deliveries(
    page,
    live_server,
    settings,
    receiver,  # noqa: F811 (the fixture imported above)
):
    settings.ARENA_WEBHOOK_ALLOW_LOOPBACK = True
    ada = factories.user("ada", team="Lab 7")
    ada.set_password(PASSWORD)
    ada.save()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "ada@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/account/")
    revisions = page.get_by_label("Mail me when a revision fails or validates")
    editions = page.get_by_label("Mail me each finished edition's result")
    assert revisions.is_checked() and editions.is_checked()
    screenshot(page, "notifications-01-settings")

    # Revision mails off, a webhook on: saved, and its secret shown this once.
    revisions.uncheck()
    page.get_by_label("Webhook address").fill("http://10.0.0.7/hook")
    page.get_by_role("button", name="Save").click()
    error = page.locator(".errorlist")
    assert "private or local address" in error.inner_text()
    page.get_by_label("Webhook address").fill(receiver.url)
    page.get_by_role("button", name="Save").click()
    secret = page.locator("#secret-value")
    ada.refresh_from_db()
    assert secret.inner_text() == ada.webhook_secret
    assert (ada.notify_revisions, ada.notify_editions) == (False, True)
    assert "nothing sent yet" in page.locator("#webhook-last").inner_text()
    screenshot(page, "notifications-02-secret-once")

    # Two deliveries: one the receiver takes, one it refuses until the arena gives up.
    for n, statuses in enumerate(([200], [500])):
        receiver.statuses = list(statuses)
        revision = factories.valid_revision(factories.competitor(name=f"bot-{n}", owner=ada))
        row = Notification.objects.create(
            user=ada,
            key=f"revision-{revision.pk}",
            event=Notification.REVISION_VALIDATED,
            revision=revision,
            webhook_state=Notification.WEBHOOK_SCHEDULED,
            webhook_attempts=settings.ARENA_NOTIFY_MAX_ATTEMPTS - 1 if n else 0,
        )
        notifications.deliver_webhook(row.pk)
    page.reload()
    assert page.locator("#secret-value").count() == 0  # shown once, never again
    last = page.locator("#webhook-last").inner_text()
    assert "failed after" in last and "500" in last
    table = page.locator("table.deliveries").inner_text()
    assert "Delivered" in table or "delivered" in table
    assert User.objects.get(pk=ada.pk).webhook_secret  # still set
    screenshot(page, "notifications-03-webhook-status")
    assert errors == []
