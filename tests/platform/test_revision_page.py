"""The revision page tells its owner what happened: the whole error folded under its reason,
the build log as the arena's steps with the tools' output folded, and the log while it builds."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from builder.build_log import section_line
from core.models import Competitor, Revision
from tests.platform import factories

pytestmark = pytest.mark.django_db

TRACEBACK = (
    "player 1 crashed: ValueError: the board has no square 12\n"
    "Traceback (most recent call last):\n"
    '  File "/player/player.py", line 9, in act\n'
    "    raise ValueError('the board has no square 12')\n"
    "ValueError: the board has no square 12"
)
BUILD_LOG = (
    section_line("unpacking")
    + "arena: the zip is unpacked and checked: 2 files, 812 bytes\n"
    + section_line("dependencies")
    + "arena: requirements to install:\n    numpy==1.21.0\n"
    + "arena: step 1 of 3: downloading ready-made wheels\n"
    + "Collecting numpy==1.21.0\n  ERROR: No matching distribution found for numpy==1.21.0\n"
    + "arena: relaxed numpy==1.21.0 to numpy: no release of that version installs on Python 3.11\n"
    + "Saved /opt/arena/wheels/numpy-2.2.0-cp311-cp311-manylinux_2_17_x86_64.whl\n"
    + section_line("image")
    + "arena: assembling the image: the base image, your files and the arena's harness\n"
    + "arena: built arena-player:3: 240.1 MiB\n"
)


def revision(competitor: Competitor, **fields) -> Revision:
    row = Revision(competitor=competitor, version=competitor.revisions.count() + 1, **fields)
    row.zip_file.save("submission.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=False)
    row.save()
    return row


def url(name: str, competitor: Competitor, version: int) -> str:
    return reverse(name, args=[competitor.environment.slug, competitor.name, version])


def test_a_failed_revisions_whole_error_is_folded_under_its_reason(as_owner, as_stranger, owner):
    competitor = factories.competitor(owner=owner)
    revision(
        competitor,
        image_state=Revision.IMAGE_COMPLETED,
        image_log=BUILD_LOG,
        test_state=Revision.TEST_FAILED,
        test_error=TRACEBACK,
    )
    page = as_owner.get(url("revision", competitor, 1)).content.decode()
    fold = page[page.index('<details class="error-fold" id="validation-error"') :]
    fold = fold[: fold.index("</details>")]
    summary = fold[fold.index("<summary>") : fold.index("</summary>")]
    # One line in the summary: the reason, and that there is more.
    assert "The validation failed" in summary
    assert "player 1 crashed: ValueError: the board has no square 12" in summary
    assert "Traceback" not in summary and "Show the whole error" in summary
    # The whole error below it, its line breaks kept (a <pre>), folded: no "open".
    assert " open" not in fold.split(">", 1)[0]
    body = fold[fold.index('<pre class="error-text">') :]
    assert (
        "Traceback (most recent call last):\n  File &quot;/player/player.py&quot;, line 9" in body
    )
    assert "build-error" not in page  # the build worked: one error, the validation's

    # Nobody else reads it (a private competitor).
    assert (
        "the board has no square 12"
        not in as_stranger.get(url("revision", competitor, 1)).content.decode()
    )


def test_the_build_log_shows_the_arenas_steps_and_folds_the_tools_output(as_owner, owner):
    competitor = factories.competitor(owner=owner)
    revision(
        competitor,
        image_state=Revision.IMAGE_FAILED,
        image_error="installing the dependencies failed: could not install six==0.0.1",
        image_log=BUILD_LOG,
    )
    page = as_owner.get(url("revision", competitor, 1)).content.decode()
    titles = [part.split("</h3>")[0] for part in page.split('<h3 class="build-step-title">')[1:]]
    assert titles == ["Unpacking", "Dependencies", "Relaxed pins", "Image"]
    # The arena's lines in the open, pip's under a fold that says how long it is.
    assert '<pre class="arena-lines arena">requirements to install:\n    numpy==1.21.0' in page
    assert "Output of pip and Docker" in page and "(2 lines)" in page
    assert '<pre class="arena-lines relaxed">relaxed numpy==1.21.0 to numpy' in page
    # A short error is its own summary: nothing to unfold.
    assert "Show the whole error" not in page


def test_the_status_carries_the_build_log_while_it_builds(as_owner, anonymous, owner):
    competitor = factories.competitor(owner=owner, is_public=False)
    building = revision(
        competitor,
        image_state=Revision.IMAGE_RUNNING,
        image_log=BUILD_LOG.split("arena: relaxed")[0],
    )
    data = as_owner.get(url("revision-status", competitor, 1)).json()
    assert "step 1 of 3: downloading ready-made wheels" in data["build_log_html"]
    assert "Output of pip and Docker" in data["build_log_html"]
    # The log is the owner's: not in what anyone else polls.
    assert anonymous.get(url("revision-status", competitor, 1)).json()["build_log_html"] is None
    page = as_owner.get(url("revision", competitor, 1)).content.decode()
    assert "step 1 of 3: downloading ready-made wheels" in page and "build-log-body" in page

    building.image_state, building.test_state = Revision.IMAGE_COMPLETED, Revision.TEST_COMPLETED
    building.save()
    data = as_owner.get(url("revision-status", competitor, 1)).json()
    assert data["done"] is True and data["build_log_html"] is None  # the page reloads instead
