# The RL Arena app image: the web server (gunicorn), the Celery workers and Celery beat all
# run it, with a different command (see docker/entrypoint.sh and docker-compose.yml).
#
#   docker build -t rl-arena .
#
# BASE_IMAGE is an official Python image by default. A machine that cannot pull images builds
# on a local Debian root instead (builder/docker/build-debian-base.sh makes one):
#
#   docker build --build-arg BASE_IMAGE=arena-debian-root:bookworm -t rl-arena .
#
# Behind a proxy that intercepts TLS, pip needs the proxy's CA bundle: copy it into the build
# context and name it with PIP_CERT. Only the builder stage sees it; the final image does not:
#
#   cp /etc/ssl/certs/ca-certificates.crt docker/build-ca.pem      (ignored by git)
#   docker build --build-arg PIP_CERT=docker/build-ca.pem -t rl-arena .
#
# Written for the classic builder as well as BuildKit (no RUN --mount): Docker 20.10 without
# buildx builds it as is. Re-builds are fast because the dependencies are a layer of their own,
# made again only when a requirements file changes.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# --- builder: a virtual environment with the requirements, the collected static files --------
FROM ${BASE_IMAGE} AS builder
ARG PIP_CERT=
ARG PIP_INDEX_URL=
ARG PIP_EXTRA_INDEX_URL=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# The venv is made without pip and filled by the base image's own pip (--python), so Debian's
# python3 without the python3-venv package works as well as an official image. Without
# PIP_CERT the third source repeats the second: an empty source would copy the whole context
# (and make every source change re-install the requirements).
COPY requirements.txt docker/requirements-server.txt ${PIP_CERT:-docker/requirements-server.txt} /tmp/build/
RUN set -eu; \
    python3 -m venv --without-pip /opt/venv; \
    if [ -n "$PIP_CERT" ]; then export PIP_CERT="/tmp/build/$(basename "$PIP_CERT")"; else unset PIP_CERT; fi; \
    if [ -z "$PIP_INDEX_URL" ]; then unset PIP_INDEX_URL; fi; \
    if [ -z "$PIP_EXTRA_INDEX_URL" ]; then unset PIP_EXTRA_INDEX_URL; fi; \
    python3 -m pip --python /opt/venv/bin/python install \
        -r /tmp/build/requirements.txt -r /tmp/build/requirements-server.txt; \
    rm -rf /tmp/build

COPY . /src
# Static files are collected now, once per image (ARENA_STATIC_FROM_SOURCES=false at run time);
# WhiteNoise serves them from the app with their compressed variants.
RUN set -eu; \
    if [ -n "$PIP_CERT" ]; then rm -f "/src/$PIP_CERT"; fi; \
    rm -f /src/docker/build-ca*.pem; \
    ARENA_SECRET_KEY=collectstatic-only ARENA_VAR_DIR=/tmp/var ARENA_STATIC_ROOT=/opt/arena/static \
        /opt/venv/bin/python /src/manage.py collectstatic --noinput --verbosity 0; \
    /opt/venv/bin/python -m compileall -q /src; \
    rm -rf /tmp/var

# --- the app image ----------------------------------------------------------------------------
FROM ${BASE_IMAGE}
# git and ssh for the publisher (public revisions pushed to a git repository).
ARG APT_PACKAGES="git openssh-client"
RUN set -eu; \
    if [ -n "$APT_PACKAGES" ]; then \
        apt-get update; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $APT_PACKAGES; \
        apt-get clean; rm -rf /var/lib/apt/lists/*; \
    fi; \
    useradd --uid 10001 --user-group --home-dir /var/lib/arena --create-home \
        --shell /usr/sbin/nologin arena; \
    # Readable by others: nginx's workers send the downloads the app allowed from this volume.
    install -d -o arena -g arena -m 0755 /var/lib/arena/media

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/arena/static /opt/arena/static
COPY --from=builder /src /app

# The uid is not 1000 (the players' uid): a player never owns the socket folder it is given.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=core.settings \
    ARENA_VAR_DIR=/var/lib/arena \
    ARENA_MEDIA_ROOT=/var/lib/arena/media \
    ARENA_STATIC_ROOT=/opt/arena/static \
    ARENA_STATIC_FROM_SOURCES=false
USER arena
WORKDIR /app
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
# Per role (found from the container's main process): the web server answers GET / for its
# first allowed host; a Celery worker answers a ping; anything else is healthy while it runs.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]
LABEL org.opencontainers.image.title="RL Arena" \
      org.rl-arena.role="app"
