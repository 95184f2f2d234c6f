"""gunicorn's settings for the web container (docker/entrypoint.sh web), from the environment.

The web container is reachable only by nginx, on the compose network: nginx sets
X-Forwarded-Proto, so requests that came over TLS are secure for Django (secure CSRF checks,
https links) without further settings. Uploads reach gunicorn only once nginx has buffered
the whole request body, so a slow client does not hold a worker.
"""

import os

bind = os.environ.get("ARENA_WEB_BIND") or "0.0.0.0:8000"
# Threads serve the page requests; processes use the cores. 2 x 4 suits a 2-CPU droplet.
worker_class = "gthread"
workers = int(os.environ.get("ARENA_WEB_WORKERS") or 2)
threads = int(os.environ.get("ARENA_WEB_THREADS") or 4)
timeout = 60
graceful_timeout = 30
keepalive = 5
# Trust X-Forwarded-Proto from whoever connects: only nginx can (no published port).
forwarded_allow_ips = "*"
# A worker is replaced now and then, so a slow leak cannot grow for weeks.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
loglevel = (os.environ.get("ARENA_LOG_LEVEL") or "info").lower()
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
