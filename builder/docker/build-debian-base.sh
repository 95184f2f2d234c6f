#!/usr/bin/env bash
# Builds the player base image without pulling anything from an image registry:
# a minimal Debian root made with debootstrap from the machine's configured Debian mirror,
# imported into Docker, then base.Dockerfile on top of it.
#
#   builder/docker/build-debian-base.sh [TAG]        (default TAG: arena-player-base:latest)
#
# Needs root, debootstrap and a running Docker engine. Takes a few minutes.
set -euo pipefail

tag=${1:-arena-player-base:latest}
suite=${DEBIAN_SUITE:-bookworm}
root_tag="arena-debian-root:${suite}"
here=$(cd "$(dirname "$0")" && pwd)

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  # The first deb.debian.org-style URI the machine's apt uses (deb822 or one-line format).
  mirror=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list \
    | grep -v security | head -n 1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//' || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

if ! docker image inspect "$root_tag" >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "debootstrap $suite from $mirror ..." >&2
  debootstrap --variant=minbase --include=python3,python3-pip,python3-numpy,ca-certificates \
    "$suite" "$work/root" "$mirror" >&2
  # Keep the image small: package lists and caches are rebuilt by apt when needed.
  rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*
  tar -C "$work/root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' - "$root_tag" >&2
fi

docker build --build-arg "BASE_IMAGE=$root_tag" -f "$here/base.Dockerfile" -t "$tag" "$here" >&2
echo "$tag"
