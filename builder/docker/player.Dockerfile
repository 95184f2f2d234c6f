# A player image: the base (Python, pip, numpy, user `player`), the arena's harness and the
# submission. builder/image.py assembles the build context:
#   harness.py, player/ (the submission), pip/ (install_requirements.py, the requirements.txt
#   to install if any, optional ca.pem and wheelhouse/).
ARG BASE_IMAGE=arena-player-base:latest
FROM ${BASE_IMAGE}

ARG PIP_INDEX_URL=
ARG PIP_EXTRA_INDEX_URL=
COPY pip/ /opt/arena/pip/
COPY player/ /player/
# Dependencies are installed now, as root, into the image: the player runs without network.
# A CA bundle lets pip through an intercepting proxy; a wheelhouse is an extra place to find
# wheels (--find-links), not a replacement for the index.
RUN set -e; \
    cd /opt/arena/pip; \
    if [ -f ca.pem ]; then export PIP_CERT=/opt/arena/pip/ca.pem; fi; \
    if [ -d wheelhouse ]; then export PIP_FIND_LINKS=/opt/arena/pip/wheelhouse; fi; \
    if [ -z "$PIP_INDEX_URL" ]; then unset PIP_INDEX_URL; fi; \
    if [ -z "$PIP_EXTRA_INDEX_URL" ]; then unset PIP_EXTRA_INDEX_URL; fi; \
    if [ -f requirements.txt ]; then \
        python3 install_requirements.py requirements.txt --project /player; \
    fi; \
    cd /; \
    rm -rf /opt/arena/pip
COPY harness.py /opt/arena/harness.py

USER 1000:1000
WORKDIR /player
LABEL org.rl-arena.role="player"
