"""nginx/: the rendered configuration passes `nginx -t`, and a real nginx serves it.

Debian's nginx on this machine checks both modes (plain HTTP; HTTPS with a self-signed
certificate made here), then runs on free ports in front of a small HTTP server standing in for
gunicorn: the proxy headers it sends, the security headers, the upload limit, the redirect to
HTTPS, HSTS on HTTPS only, the ACME challenge folder. The container image is tested against the
real web container in test_stack.py.
"""

from __future__ import annotations

import getpass
import http.server
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deploy.conftest import DOMAIN, free_port, run, self_signed_certificate

RENDER = ROOT / "nginx" / "render.sh"


def render(mode: str, out: Path, tmp: Path, check: bool = True, **env: str):
    variables = {
        "PATH": os.environ["PATH"],
        "ARENA_NGINX_PID_FILE": str(tmp / "nginx.pid"),
        "ARENA_NGINX_ACCESS_LOG": str(tmp / "access.log"),
        "ARENA_NGINX_TEMP_DIR": str(tmp / "temp"),
        "ARENA_NGINX_WEBROOT": str(tmp / "webroot"),
        "ARENA_NGINX_RESOLVER": "127.0.0.1",
        # Workers as this user: they read and write under pytest's private temporary folder.
        "ARENA_NGINX_USER": getpass.getuser(),
        **env,
    }
    return run(["sh", str(RENDER), mode, str(out)], env=variables, check=check, timeout=60)


def nginx_t(nginx_binary: str, conf: Path) -> None:
    result = run([nginx_binary, "-t", "-e", "stderr", "-c", str(conf / "nginx.conf")], timeout=60)
    assert "test is successful" in result.stderr


def test_plain_http_passes_nginx_t(nginx_binary, tmp_path):
    render("http", tmp_path / "conf", tmp_path)
    nginx_t(nginx_binary, tmp_path / "conf")
    site = (tmp_path / "conf" / "arena-site.conf").read_text()
    assert "ssl" not in site and "listen 80 default_server" in site
    assert (
        "add_header Strict-Transport-Security"
        not in (tmp_path / "conf" / "arena-headers.conf").read_text()
    )


def test_tls_passes_nginx_t_with_a_certificate(nginx_binary, tmp_path):
    certificate = self_signed_certificate(tmp_path / "cert")
    render(
        "tls", tmp_path / "conf", tmp_path,
        ARENA_DOMAIN=DOMAIN, ARENA_NGINX_CERT_DIR=str(certificate),
    )  # fmt: skip
    nginx_t(nginx_binary, tmp_path / "conf")
    site = (tmp_path / "conf" / "arena-site.conf").read_text()
    assert f"return 301 https://{DOMAIN}$request_uri;" in site
    assert "listen 443 ssl" in site and f"server_name {DOMAIN};" in site
    assert "Strict-Transport-Security" in (tmp_path / "conf" / "arena-headers.conf").read_text()


def test_the_upload_limit_is_the_apps_plus_a_margin(tmp_path):
    render("http", tmp_path / "conf", tmp_path, ARENA_ZIP_MAX_BYTES="52428800")
    assert "client_max_body_size 53477376;" in (tmp_path / "conf" / "nginx.conf").read_text()


@pytest.mark.parametrize(
    ("mode", "env", "message"),
    [
        ("tls", {}, "tls needs ARENA_DOMAIN"),
        ("http", {"ARENA_DOMAIN": "arena.test; evil"}, "is not a host name"),
        ("http", {"ARENA_ZIP_MAX_BYTES": "100MB"}, "is not a number of bytes"),
        ("http", {"ARENA_NGINX_CSP": 'default-src "self"'}, "must not contain double quotes"),
        ("https", {}, "unknown mode"),
    ],
)
def test_bad_settings_are_refused(tmp_path, mode, env, message):
    result = render(mode, tmp_path / "conf", tmp_path, check=False, **env)
    assert result.returncode != 0 and message in result.stderr


class Upstream(http.server.ThreadingHTTPServer):
    """Stands in for gunicorn: answers with the request it got, as JSON."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self) -> None:
                server.requests.append(self.path)
                if self.path.startswith("/download/"):
                    # What the app's source view answers with ARENA_MEDIA_ACCEL_PREFIX set.
                    self.send_response(200)
                    self.send_header("Content-Type", "application/zip")
                    self.send_header("Content-Disposition", 'attachment; filename="bot-v1.zip"')
                    self.send_header("X-Accel-Redirect", "/internal-media/zips/bot-v1.zip")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.dumps(
                    {"path": self.path, "headers": dict(self.headers), "body_bytes": length}
                ).encode()
                self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                # The app's own versions of headers nginx sets: nginx's must win.
                self.send_header("X-Frame-Options", "SAMEORIGIN")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


# The running stand-ins by address, for the tests that look at what reached them.
UPSTREAMS: dict[str, Upstream] = {}


@pytest.fixture
def upstream():
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"127.0.0.1:{server.server_address[1]}"
    UPSTREAMS[address] = server
    yield address
    del UPSTREAMS[address]
    server.shutdown()
    server.server_close()


@pytest.fixture
def serve(nginx_binary, tmp_path):
    """Start this machine's nginx with a rendered configuration; stopped at the end."""
    processes = []

    def start(conf: Path, *ports: int) -> None:
        process = subprocess.Popen(
            [nginx_binary, "-e", "stderr", "-c", str(conf / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "nginx.err", "wb"),  # noqa: SIM115
        )  # fmt: skip
        processes.append(process)
        deadline = time.monotonic() + 20
        for port in ports:
            while True:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert process.poll() is None, (tmp_path / "nginx.err").read_text()
                assert time.monotonic() < deadline, f"nginx does not listen on {port}"
                time.sleep(0.1)

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, *, host: str, data: bytes | None = None, context=None):
    """(status, headers, body) without following redirects."""
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, data=data, headers={"Host": host})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def test_plain_http_proxies_with_the_right_headers(serve, upstream, tmp_path):
    port = free_port()
    render(
        "http", tmp_path / "conf", tmp_path, ARENA_NGINX_HTTP_PORT=str(port),
        ARENA_NGINX_UPSTREAM=upstream, ARENA_ZIP_MAX_BYTES="1048576",
    )  # fmt: skip
    (tmp_path / "webroot" / ".well-known" / "acme-challenge").mkdir(parents=True)
    (tmp_path / "webroot" / ".well-known" / "acme-challenge" / "token").write_text("proof")
    serve(tmp_path / "conf", port)

    status, headers, body = fetch(f"http://127.0.0.1:{port}/games/?x=1", host="arena.test")
    assert status == 200
    seen = json.loads(body)
    assert seen["path"] == "/games/?x=1"
    assert seen["headers"]["Host"] == "arena.test"
    assert seen["headers"]["X-Forwarded-Proto"] == "http"
    assert seen["headers"]["X-Forwarded-For"] == "127.0.0.1"
    for name, value in SECURITY_HEADERS.items():
        assert headers.get_all(name) == [value], name  # exactly one: nginx's
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    # The API's documentation pages alone may have the inline styles their scripts insert.
    _, headers, _ = fetch(f"http://127.0.0.1:{port}/api/v1/docs/", host="arena.test")
    assert "style-src 'self' 'unsafe-inline'" in headers["Content-Security-Policy"]
    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"] is None
    assert headers["Server"] == "nginx"  # no version

    # The upload limit: the app's 1 MiB plus 1 MiB of form; beyond, nginx refuses at once.
    assert fetch(f"http://127.0.0.1:{port}/submit/", host="a", data=b"z" * 1_900_000)[0] == 200
    assert fetch(f"http://127.0.0.1:{port}/submit/", host="a", data=b"z" * 2_200_000)[0] == 413
    # Certbot's challenges come from the webroot, not from the app.
    status, _, body = fetch(
        f"http://127.0.0.1:{port}/.well-known/acme-challenge/token", host="arena.test"
    )
    assert (status, body) == (200, b"proof")
    assert fetch(f"http://127.0.0.1:{port}/nginx-health", host="x")[0] == 200


def test_tls_serves_https_and_redirects_http(serve, upstream, tmp_path):
    http_port, https_port = free_port(), free_port()
    certificate = self_signed_certificate(tmp_path / "cert")
    render(
        "tls", tmp_path / "conf", tmp_path, ARENA_DOMAIN=DOMAIN,
        ARENA_NGINX_CERT_DIR=str(certificate), ARENA_NGINX_UPSTREAM=upstream,
        ARENA_NGINX_HTTP_PORT=str(http_port), ARENA_NGINX_HTTPS_PORT=str(https_port),
    )  # fmt: skip
    serve(tmp_path / "conf", http_port, https_port)

    status, headers, _ = fetch(f"http://127.0.0.1:{http_port}/games/?x=1", host="whatever")
    assert status == 301
    assert headers["Location"] == f"https://{DOMAIN}:{https_port}/games/?x=1"
    assert fetch(f"http://127.0.0.1:{http_port}/nginx-health", host="x")[0] == 200

    context = ssl.create_default_context(cafile=str(certificate / "fullchain.pem"))
    status, headers, body = fetch(
        f"https://127.0.0.1:{https_port}/games/", host=f"{DOMAIN}:{https_port}", context=context
    )
    assert status == 200
    seen = json.loads(body)
    assert seen["headers"]["X-Forwarded-Proto"] == "https"
    assert seen["headers"]["Host"] == f"{DOMAIN}:{https_port}"
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    for name, value in SECURITY_HEADERS.items():
        assert headers.get_all(name) == [value], name


def test_static_files_are_served_from_nginx_s_cache_and_stored_files_from_the_volume(
    serve, upstream, tmp_path
):
    port = free_port()
    media = tmp_path / "media"
    (media / "zips").mkdir(parents=True)
    (media / "zips" / "bot-v1.zip").write_bytes(b"PK-the-stored-zip")
    render(
        "http", tmp_path / "conf", tmp_path, ARENA_NGINX_HTTP_PORT=str(port),
        ARENA_NGINX_UPSTREAM=upstream, ARENA_NGINX_MEDIA_ROOT=str(media),
    )  # fmt: skip
    serve(tmp_path / "conf", port)
    server = UPSTREAMS[upstream]

    seen = []
    for _ in range(3):
        status, headers, body = fetch(f"http://127.0.0.1:{port}/static/web/arena.css", host="a")
        assert status == 200
        seen.append(headers["X-Cache-Status"])
        for name, value in SECURITY_HEADERS.items():
            assert headers.get_all(name) == [value], name
    assert seen[0] == "MISS" and seen[1:] == ["HIT", "HIT"]
    assert server.requests.count("/static/web/arena.css") == 1

    # A download the app allowed: nginx sends the file, with the app's name for it.
    status, headers, body = fetch(f"http://127.0.0.1:{port}/download/bot/1/", host="a")
    assert (status, body) == (200, b"PK-the-stored-zip")
    assert headers["Content-Disposition"] == 'attachment; filename="bot-v1.zip"'
    assert headers["X-Accel-Redirect"] is None
    assert headers.get_all("X-Frame-Options") == ["DENY"]
    # The internal location itself answers nobody.
    status, _, body = fetch(f"http://127.0.0.1:{port}/internal-media/zips/bot-v1.zip", host="a")
    assert status == 404 and b"PK" not in body
