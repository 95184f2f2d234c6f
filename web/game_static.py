"""The browser files of the games (``render.js``, ``style.css``), under ``games/<slug>/``.

A staticfiles finder that asks :mod:`environments` at each lookup rather than a list made when
the settings load, so a game registered from another folder
(:func:`environments.register_folder`) is served like the ones shipped in ``environments/``.
``collectstatic`` and WhiteNoise list them through it too.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.finders import FileSystemFinder
from django.core.files.storage import FileSystemStorage

import environments


class GameStaticFinder(FileSystemFinder):
    """Django's folder finder over each game's ``static/`` folder, prefixed ``games/<slug>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # FileSystemFinder would read STATICFILES_DIRS here; the games come from the registry.
        pass

    @property
    def locations(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [
            (f"games/{slug}", str(environments.info(slug).static_dir))
            for slug in environments.slugs()
        ]

    @property
    def storages(self) -> dict[str, FileSystemStorage]:  # type: ignore[override]
        storages = {}
        for prefix, root in self.locations:
            storage = FileSystemStorage(location=root)
            storage.prefix = prefix  # type: ignore[attr-defined]  # read by collectstatic
            storages[root] = storage
        return storages

    def check(self, **kwargs: Any) -> list[Any]:
        return []  # each folder was checked when its info.yml was loaded
