#!/bin/sh
# The app image's entrypoint: one role per container.
#
#   web              gunicorn with uvicorn's worker (ASGI, core.asgi) on ARENA_WEB_BIND
#                    (0.0.0.0:8000), settings in docker/gunicorn.conf.py
#   worker           a Celery worker of the "arena" queue (builds, validations, duels),
#                    the "moves" queue (the API's moves: short, someone waits for them) and
#                    the "challenges" queue (unranked duels, taken when nothing else waits),
#                    ARENA_WORKER_CONCURRENCY processes (default: 2)
#   play             a Celery worker of the "play" queue (human matches against agents),
#                    ARENA_PLAY_MAX_MATCHES processes (default: 4): its own pool, so duels
#                    never take a human's place and human matches never take a duel's
#   beat             Celery beat (exactly one per arena)
#   migrate          migrate the database, then load (or refresh) the games; exits
#   anything else    run as given, e.g. `python manage.py createsuperuser`
#
# The worker may be started as root (compose does): it then creates ARENA_SOCKET_DIR (a host
# folder mounted at the same path) for the image's user, and runs as that user with the Docker
# socket's group added, whatever its number on the host. Everything else runs as the image's
# user from the start.
#
# It refuses to start a production process with a missing or placeholder secret key, and says
# how to fix a worker that cannot reach Docker or its socket folder.
set -eu

say() { printf 'arena: %s\n' "$*" >&2; }
die() { say "$*"; exit 64; }

truthy() {
  case "$(printf %s "${1:-}" | tr '[:upper:]' '[:lower:]')" in
    1 | true | yes | on) return 0 ;;
    *) return 1 ;;
  esac
}

# The domain, when there is one, is the host name the site answers to.
if [ -z "${ARENA_ALLOWED_HOSTS:-}" ] && [ -n "${ARENA_DOMAIN:-}" ]; then
  export ARENA_ALLOWED_HOSTS="$ARENA_DOMAIN"
fi
if [ -z "${ARENA_CSRF_TRUSTED_ORIGINS:-}" ] && [ -n "${ARENA_DOMAIN:-}" ]; then
  export ARENA_CSRF_TRUSTED_ORIGINS="https://$ARENA_DOMAIN"
fi

check_secret() {
  truthy "${ARENA_DEBUG:-false}" && return 0
  key=${ARENA_SECRET_KEY:-}
  case "$key" in
    "" | change-me* | *changeme* | *CHANGE-ME*)
      die "ARENA_SECRET_KEY is not set (or is the example's placeholder): put a long random one in .env, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'" ;;
  esac
  [ "${#key}" -ge 32 ] || die "ARENA_SECRET_KEY is too short (${#key} characters): use 50 random characters"
  for name in DATABASE_URL CELERY_BROKER_URL; do
    eval "value=\${$name:-}"
    case "$value" in
      *change-me*) die "$name still has the example's change-me password: set real passwords in .env (POSTGRES_PASSWORD, REDIS_PASSWORD and these URLs)" ;;
    esac
  done
}

check_web() {
  [ -n "${ARENA_ALLOWED_HOSTS:-}" ] || die "set ARENA_DOMAIN (or ARENA_ALLOWED_HOSTS) in .env: the host names the site answers to"
}

check_worker() {
  sandbox=$(printf %s "${ARENA_SANDBOX:-docker}" | tr '[:upper:]' '[:lower:]')
  [ "$sandbox" = process ] && return 0
  sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
  sock=${sock#unix://}
  if [ -z "${DOCKER_HOST:-}" ] && [ ! -S "$sock" ]; then
    die "no Docker socket at $sock: mount the host's (- /var/run/docker.sock:/var/run/docker.sock), the players run in sibling containers"
  fi
  if [ -S "$sock" ] && ! { [ -r "$sock" ] && [ -w "$sock" ]; }; then
    die "this worker (uid $(id -u), groups $(id -G)) cannot use the Docker socket $sock, owned by group $(stat -c %g "$sock"): start the worker as root (it then joins group $(stat -c %g "$sock") and drops root), or add that group to the container"
  fi
  if [ -z "${ARENA_SOCKET_DIR:-}" ]; then
    die "set ARENA_SOCKET_DIR: a host folder mounted at the same path in this container (the players' sockets go there)"
  fi
  if [ ! -d "$ARENA_SOCKET_DIR" ] || [ ! -w "$ARENA_SOCKET_DIR" ]; then
    die "ARENA_SOCKET_DIR=$ARENA_SOCKET_DIR is not a folder this worker (uid $(id -u)) can write: start the worker as root (it creates it), or on the host: install -d -o $(id -u) -m 0711 $ARENA_SOCKET_DIR"
  fi
  if truthy "${ARENA_REMOTE_WORKER:-false}"; then
    storage=$(printf %s "${ARENA_STORAGE:-filesystem}" | tr '[:upper:]' '[:lower:]')
    [ "$storage" = s3 ] && [ -n "${ARENA_S3_BUCKET:-}" ] ||
      die "a worker on another machine needs the stored files shared: set ARENA_STORAGE=s3 and the ARENA_S3_* settings (DigitalOcean Spaces), the same on every machine"
    [ -n "${ARENA_REGISTRY:-}" ] ||
      die "a worker on another machine gets the player images from the main machine's registry: set ARENA_REGISTRY=<its private address>:5000, the same on every machine"
  fi
}

# As root: the socket folder for the image's user, then that user with the Docker socket's group.
become_worker_user() {
  user=arena
  groups=$(id -g "$user")
  if [ -n "${ARENA_SOCKET_DIR:-}" ]; then
    # The engine (root) mounts each player's sub-folder; nobody else needs to list it.
    install -d -o "$user" -g "$user" -m 0711 "$ARENA_SOCKET_DIR"
  fi
  sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
  sock=${sock#unix://}
  if [ -S "$sock" ]; then
    groups="$groups,$(stat -c %g "$sock")"
  fi
  export HOME=/var/lib/arena USER="$user"
  exec setpriv --reuid "$user" --regid "$user" --groups "$groups" --inh-caps=-all -- "$0" "$@"
}

role=${1:-web}
case "$role" in
  web)
    check_secret
    check_web
    # Each spectator's stream is an open connection, a file descriptor: allow thousands.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    exec gunicorn --config /app/docker/gunicorn.conf.py core.asgi:application
    ;;
  worker | play)
    if [ "$(id -u)" = 0 ]; then
      become_worker_user "$@"
    fi
    check_secret
    check_worker
    if [ "$role" = play ]; then
      # A human match holds a process for as long as the human plays.
      queue=play concurrency=${ARENA_PLAY_MAX_MATCHES:-4}
    else
      # In this order, the first non-empty queue first (core/settings.py): moves (someone
      # waits), then builds, validations and tournament duels, then challenges.
      queue=moves,arena,challenges concurrency=${ARENA_WORKER_CONCURRENCY:-2}
    fi
    exec celery -A core worker \
      --hostname "$role@%h" \
      --queues "$queue" \
      --concurrency "$concurrency" \
      --loglevel "${ARENA_LOG_LEVEL:-INFO}" \
      --without-gossip --without-mingle
    ;;
  beat)
    check_secret
    exec celery -A core beat \
      --loglevel "${ARENA_LOG_LEVEL:-INFO}" \
      --schedule "${ARENA_VAR_DIR:-/var/lib/arena}/celerybeat-schedule"
    ;;
  migrate)
    check_secret
    python manage.py migrate --noinput
    exec python manage.py load_games
    ;;
  *)
    exec "$@"
    ;;
esac
