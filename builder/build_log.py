"""A build log read back for people: the arena's own steps apart from Docker's and pip's output.

The builder writes its own lines with the prefix ``arena: `` and heads each of its steps
with :func:`section_line` (``arena: ## dependencies``); everything else in the log is what
pip and the build containers printed. :func:`sections` splits a log (whole, or cut by the
caps of :class:`run_duel.channel.CappedLog`) into those steps, each a list of runs of lines:
the arena's (what it did and decided), a relaxed pin or a requirement that failed (what the
participant must read), or the tools' output (folded on the revision page). Pure: no Django,
so the builder, the site and the tests read logs the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from builder.docker import install_requirements as installer

ARENA = "arena: "
SECTION = "arena: ## "
# What the install script says in the build containers (builder/docker/install_requirements.py).
RELAXED = installer.RELAXED
FAILURE = installer.FAILURE
# A sign of life while pip is silent: part of the tools' output, not a step of the arena's.
KEEPALIVE = installer.STILL_AT_WORK

# Run kinds, for the page's classes.
ARENA_LINES = "arena"
RELAXED_PINS = "relaxed"
FAILURES = "failure"
TOOL_OUTPUT = "output"


def section_line(title: str) -> str:
    return f"{SECTION}{title}\n"


@dataclass
class Run:
    kind: str
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Section:
    title: str
    runs: list[Run] = field(default_factory=list)

    def add(self, kind: str, line: str) -> None:
        if not self.runs or self.runs[-1].kind != kind:
            self.runs.append(Run(kind))
        self.runs[-1].lines.append(line)

    @property
    def output_lines(self) -> int:
        return sum(len(run.lines) for run in self.runs if run.kind == TOOL_OUTPUT)


def sections(log: str) -> list[Section]:
    """The log's steps in order; what comes before the first heading is "build"."""
    found: list[Section] = []
    relaxed: list[str] = []
    current: Section | None = None
    for line in log.splitlines():
        if line.startswith(SECTION):
            title = line[len(SECTION) :].strip() or "build"
            if current is None or current.title != title:
                current = Section(title)
                found.append(current)
            continue
        if current is None:
            current = Section("build")
            found.append(current)
        if not line.strip() and (not current.runs or current.runs[-1].kind != TOOL_OUTPUT):
            continue  # the blank lines between the arena's own paragraphs
        if line.startswith(KEEPALIVE):
            current.add(TOOL_OUTPUT, line)
        elif line.startswith(RELAXED):
            relaxed.append(line[len(ARENA) :])
            current.add(RELAXED_PINS, line[len(ARENA) :])
        elif line.startswith(FAILURE):
            current.add(FAILURES, line[len(ARENA) :])
        elif line.startswith(ARENA):
            current.add(ARENA_LINES, line[len(ARENA) :])
        elif line.startswith("    ") and current.runs and current.runs[-1].kind == ARENA_LINES:
            current.add(ARENA_LINES, line)  # a list under an arena line (the requirements)
        else:
            current.add(TOOL_OUTPUT, line)
    for section in found:  # trailing blank output lines say nothing
        while section.runs and section.runs[-1].kind == TOOL_OUTPUT:
            run = section.runs[-1]
            while run.lines and not run.lines[-1].strip():
                run.lines.pop()
            if run.lines:
                break
            section.runs.pop()
    if relaxed:
        # What the participant asked for and did not get: a step of its own, after the step
        # that relaxed them.
        where = next(i for i, s in enumerate(found) if any(r.kind == RELAXED_PINS for r in s.runs))
        found.insert(where + 1, Section("relaxed pins", [Run(RELAXED_PINS, relaxed)]))
    return [section for section in found if section.runs]
