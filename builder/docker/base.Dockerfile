# The player base image: Python, pip and numpy, and the unprivileged `player` user.
# Every player image starts from it (see builder/image.py).
#
# Production builds it from an official Python image:
#   docker build -f builder/docker/base.Dockerfile -t arena-player-base builder/docker
# Machines that cannot pull images build it on a local Debian root instead:
#   builder/docker/build-debian-base.sh
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

# Debian's own python3 refuses pip installs into the system (PEP 668); a player image is a
# single-purpose root, so installing there is what we want.
ENV PIP_BREAK_SYSTEM_PACKAGES=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# numpy comes with the Debian root (python3-numpy); an official Python image gets it from pip.
RUN python3 -c "import numpy" 2>/dev/null || python3 -m pip install "numpy<3"

# The player never runs as root; uid 1000 is fixed so the sandbox can name it numerically.
RUN useradd --uid 1000 --user-group --create-home --home-dir /home/player player

LABEL org.rl-arena.role="player-base"
