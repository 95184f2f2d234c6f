"""Which image a Docker player runs, and the credentials that pull it from a registry.

Why digests: a tag (``registry/arena-player:42``) is a name anyone holding push rights can move
to another image. The builder therefore records the image's content address, and every worker
runs ``registry/arena-player@sha256:...`` (or, on one host without a registry, the local image
id ``sha256:...``): Docker checks the content against that address when it pulls, so a moved
tag can never swap another image in.

Why credentials travel with each call: the registry requires HTTP basic auth (htpasswd,
bcrypt). They are passed with each push and pull (``auth_config``), never written to a Docker
config file.

No Django here: the server's halves (:mod:`duel_runner.sandboxes` for the workers that pull
and run, :mod:`builder.player_images` for the builder that pushes and the pruning) call in
with their settings.
"""

from __future__ import annotations

from dataclasses import dataclass

DIGEST_PREFIX = "sha256:"


@dataclass(frozen=True)
class RegistryAuth:
    """The registry's basic-auth credentials; empty when it has none (tests, a LAN)."""

    username: str = ""
    password: str = ""

    @property
    def config(self) -> dict[str, str] | None:
        """Docker's ``auth_config`` for one push or pull, or None without credentials."""
        if not self.username:
            return None
        return {"username": self.username, "password": self.password}


def pinned_reference(image_name: str, digest: str, registry: str) -> str:
    """What a worker runs for a revision built as ``image_name`` with content ``digest``.

    Pushed to ``registry`` (the name starts with it): ``registry/repository@sha256:...``.
    Built on this host only: the digest is the local image id, which Docker runs as is. A
    revision built before digests were recorded runs by its tag, as it always did.
    """
    if not digest.startswith(DIGEST_PREFIX):
        return image_name
    if registry and image_name.startswith(f"{registry}/"):
        return f"{repository_of(image_name)}@{digest}"
    return digest


def repository_of(image_name: str) -> str:
    """``host:port/arena-player`` of ``host:port/arena-player:42`` (or ``...@sha256:...``)."""
    name = image_name.partition("@")[0]
    colon, slash = name.rfind(":"), name.rfind("/")
    return name[:colon] if colon > slash else name
