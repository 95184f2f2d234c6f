"""gunicorn's settings for the web container (docker/entrypoint.sh web), from the environment.

gunicorn manages the processes (restarts, graceful reloads, max_requests); each runs uvicorn
serving the ASGI application core.asgi.

The web container is reachable only by nginx, on the compose network: nginx sets
X-Forwarded-Proto, so requests that came over TLS are secure for Django (secure CSRF checks,
https links) without further settings. Uploads reach gunicorn only once nginx has buffered
the whole request body, so a slow client does not hold a worker.
"""

import os

bind = os.environ.get("ARENA_WEB_BIND") or "0.0.0.0:8000"
# An ASGI server in each process (core.asgi, uvicorn's worker): the live streams are coroutines
# of its event loop, thousands per process, and the ordinary pages run in Django's threads.
# Processes use the cores: 2 suit a 2-CPU droplet.
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("ARENA_WEB_WORKERS") or 2)
# uvicorn's worker has no connection cap of its own (gunicorn's worker_connections is for other
# workers): the streams are capped by ARENA_LIVE_STREAMS_PER_PROCESS, and each open connection
# is a file descriptor, which docker-compose.yml (ulimits) and the entrypoint allow by the
# tens of thousands. A burst of spectators (a final starting) waits in a long accept queue.
backlog = 2048
timeout = 60
graceful_timeout = 30
keepalive = 5
# Trust X-Forwarded-Proto from whoever connects: only nginx can (no published port).
forwarded_allow_ips = "*"
# A worker is replaced now and then, so a slow leak cannot grow for weeks. Each live stream is a
# request too, and spectators reconnect every ARENA_LIVE_STREAM_SECONDS: a crowd of 1000 makes
# 1000 a minute, so the count is high enough not to cut a crowd's streams every few minutes.
max_requests = 50000
max_requests_jitter = 5000
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
loglevel = (os.environ.get("ARENA_LOG_LEVEL") or "info").lower()
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
