"""The build log read back as the arena's steps (builder.build_log): pure, no services."""

from __future__ import annotations

from builder.build_log import (
    ARENA_LINES,
    FAILURES,
    RELAXED_PINS,
    TOOL_OUTPUT,
    section_line,
    sections,
)

LOG = (
    "arena: an old log, before the steps had headings\n"
    + section_line("unpacking")
    + "arena: the zip is unpacked and checked: 2 files, 900 bytes\n"
    + section_line("dependencies")
    + "arena: requirements to install:\n    numpy==1.16.5\n    six\n\n"
    + section_line("dependencies")  # a second heading of the same step: one step
    + "arena: downloading the 2 requirements together\n"
    + "Collecting numpy==1.16.5\n  Downloading numpy-1.16.5.zip\n\n"
    + "arena: pip is still at work (10 s)\n"
    + "ERROR: No matching distribution found for numpy==1.16.5\n"
    + "arena: relaxed numpy==1.16.5 to numpy: no release of that version installs on Python 3.11\n"
    + "arena: could not install six: No matching distribution found for six\n"
    + "\n[... 1,024 bytes of log skipped ...]\n\n\n"
    + section_line("image")
    + "arena: built arena-player:3: 240.0 MiB\n"
)


def test_it_splits_a_build_log_into_the_arenas_steps():
    steps = sections(LOG)
    assert [s.title for s in steps] == [
        "build",
        "unpacking",
        "dependencies",
        "relaxed pins",
        "image",
    ]
    dependencies = steps[2]
    assert [(run.kind, run.lines) for run in dependencies.runs] == [
        (
            ARENA_LINES,
            [
                "requirements to install:",
                "    numpy==1.16.5",
                "    six",
                "downloading the 2 requirements together",
            ],
        ),
        (
            TOOL_OUTPUT,
            [
                "Collecting numpy==1.16.5",
                "  Downloading numpy-1.16.5.zip",
                "",
                "arena: pip is still at work (10 s)",  # a sign of life is the tools' output
                "ERROR: No matching distribution found for numpy==1.16.5",
            ],
        ),
        (
            RELAXED_PINS,
            ["relaxed numpy==1.16.5 to numpy: no release of that version installs on Python 3.11"],
        ),
        (FAILURES, ["could not install six: No matching distribution found for six"]),
        (TOOL_OUTPUT, ["[... 1,024 bytes of log skipped ...]"]),
    ]
    assert dependencies.output_lines == 6
    # The relaxed pins again, as a step of their own right after the one that relaxed them.
    assert [run.kind for run in steps[3].runs] == [RELAXED_PINS]
    assert steps[4].runs[0].text == "built arena-player:3: 240.0 MiB"


def test_an_empty_log_has_no_steps():
    assert sections("") == []
    assert sections(section_line("image")) == []
