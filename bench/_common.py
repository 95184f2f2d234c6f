"""Helpers shared by the benchmarks: the repository on sys.path, images, a table printer."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLE_PLAYERS = ROOT / "example_players"
BASE_IMAGE = "arena-player-base:latest"


def player_image(client, folder: Path) -> str:
    """The image of an example player, built once per content."""
    from builder.image import BuildSettings, build_player_image, context_digest
    from run_duel.docker_sandbox import image_exists

    settings = BuildSettings(base_image=BASE_IMAGE)
    tag = f"arena-bench-player:{context_digest(folder, settings)[:16]}"
    if not image_exists(client, tag):
        build_player_image(client, folder, tag, settings)
    return tag


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
