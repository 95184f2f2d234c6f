"""The app image's health check, one per role, found from the container's main process.

- gunicorn (web): GET / on ARENA_WEB_BIND, with the first allowed host as Host (the page reads
  the database, so a healthy web container also reaches PostgreSQL);
- celery worker: the worker answers a ping through the broker;
- anything else (beat, a one-off command): healthy while it runs.

Exit status 0 is healthy, 1 unhealthy (what Docker expects).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request


def main_process() -> list[str]:
    try:
        with open("/proc/1/cmdline", "rb") as cmdline:
            return [part.decode(errors="replace") for part in cmdline.read().split(b"\0") if part]
    except OSError:
        return []


def first_allowed_host() -> str:
    hosts = os.environ.get("ARENA_ALLOWED_HOSTS", "") or os.environ.get("ARENA_DOMAIN", "")
    for host in hosts.split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def check_web() -> int:
    bind = os.environ.get("ARENA_WEB_BIND", "0.0.0.0:8000")
    port = bind.rpartition(":")[2] or "8000"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/",
        headers={"Host": first_allowed_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"web: no answer on port {port}: {exc}")
        return 1
    if status >= 400:
        print(f"web: GET / answered {status}")
        return 1
    return 0


def check_worker(name: str) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "core", "inspect", "ping", "--timeout", "8",
         "--destination", f"{name}@{os.uname().nodename}"],
        cwd="/app",
        capture_output=True,
        text=True,
        timeout=14,
    )  # fmt: skip
    if result.returncode != 0:
        print(f"worker: no answer to a ping: {(result.stdout + result.stderr).strip()[-500:]}")
        return 1
    return 0


def main() -> int:
    command = " ".join(os.path.basename(part) for part in main_process()[:4])
    if "gunicorn" in command:
        return check_web()
    if "celery" in command and "worker" in main_process():
        # Its name, as the entrypoint gives it: --hostname worker@%h, or play@%h.
        hostname = next((part for part in main_process() if part.endswith("@%h")), "worker@%h")
        return check_worker(hostname.split("@")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
