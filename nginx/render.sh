#!/bin/sh
# Renders the nginx configuration of RL Arena from nginx/templates into a folder:
#
#   render.sh http|tls OUTPUT_DIR
#
#   http   the site on plain HTTP (no domain, or while the certificate is being obtained)
#   tls    HTTPS for ARENA_DOMAIN with HTTP redirecting to it
#
# Writes OUTPUT_DIR/nginx.conf (the main file, to use with `nginx -c`) and the arena-*.conf
# it includes. Settings, from the environment:
#
#   ARENA_DOMAIN               the site's domain (required for tls)
#   ARENA_ZIP_MAX_BYTES        the app's upload limit; nginx accepts 1 MiB more (default 100 MiB)
#   ARENA_NGINX_UPSTREAM       gunicorn's host:port (default web:8000)
#   ARENA_NGINX_HTTP_PORT      80       ARENA_NGINX_HTTPS_PORT    443
#   ARENA_NGINX_CERT_DIR       /etc/letsencrypt/live/$ARENA_DOMAIN (fullchain.pem, privkey.pem)
#   ARENA_NGINX_WEBROOT        /var/www/certbot (certbot's --webroot)
#   ARENA_NGINX_CSP            the Content-Security-Policy (default: only the site itself)
#   ARENA_NGINX_USER           nginx's worker user (default: nginx if it exists, else www-data)
#   ARENA_NGINX_PID_FILE       /run/nginx.pid       ARENA_NGINX_ACCESS_LOG   /dev/stdout
#   ARENA_NGINX_RESOLVER       the DNS server (default: the first of /etc/resolv.conf)
#   ARENA_NGINX_TEMP_DIR       a folder for nginx's temporary files (default: nginx's own)
#   ARENA_NGINX_CACHE_DIR      the static files' cache (default: /var/cache/nginx/arena-static,
#                              or ARENA_NGINX_TEMP_DIR/static-cache when that is set)
#   ARENA_NGINX_MEDIA_ROOT     the app's stored files, mounted read-only (/var/lib/arena/media)
#   ARENA_NGINX_TEMPLATES      the templates folder (default: ./templates beside this script)
set -eu

mode=${1:?usage: render.sh http|tls OUTPUT_DIR}
out=${2:?usage: render.sh http|tls OUTPUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
templates=${ARENA_NGINX_TEMPLATES:-$here/templates}
[ -d "$templates" ] || templates=/etc/nginx/arena-templates

die() { printf 'render.sh: %s\n' "$*" >&2; exit 2; }

domain=${ARENA_DOMAIN:-}
case "$mode" in
  http) ;;
  tls) [ -n "$domain" ] || die "tls needs ARENA_DOMAIN" ;;
  *) die "unknown mode $mode: use http or tls" ;;
esac
case "$domain" in
  *[!A-Za-z0-9.-]*) die "ARENA_DOMAIN=$domain is not a host name" ;;
esac

zip_bytes=${ARENA_ZIP_MAX_BYTES:-104857600}
case "$zip_bytes" in
  "" | *[!0-9]*) die "ARENA_ZIP_MAX_BYTES=$zip_bytes is not a number of bytes" ;;
esac
body=$((zip_bytes + 1048576))

http_port=${ARENA_NGINX_HTTP_PORT:-80}
https_port=${ARENA_NGINX_HTTPS_PORT:-443}
suffix=""
[ "$https_port" = 443 ] || suffix=":$https_port"

user=${ARENA_NGINX_USER:-}
if [ -z "$user" ]; then
  if id nginx >/dev/null 2>&1; then user=nginx; else user=www-data; fi
fi

resolver=${ARENA_NGINX_RESOLVER:-}
if [ -z "$resolver" ]; then
  resolver=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf 2>/dev/null || true)
  resolver=${resolver:-127.0.0.11}
fi
case "$resolver" in
  *:*) case "$resolver" in \[*) ;; *) resolver="[$resolver]" ;; esac ;;
esac

# HTTP/2: "listen ... http2" before nginx 1.25.1, the "http2" directive since.
http2_listen=" http2"
http2_directive=""
version=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9][0-9.]*\).*|\1|p' || true)
if [ -n "$version" ]; then
  major=$(echo "$version" | cut -d. -f1)
  minor=$(echo "$version" | cut -d. -f2)
  patch=$(echo "$version" | cut -d. -f3)
  if [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && { [ "$minor" -gt 25 ] || { [ "$minor" -eq 25 ] && [ "${patch:-0}" -ge 1 ]; }; }; }; then
    http2_listen=""
    http2_directive="http2 on;"
  fi
fi

hsts="# No Strict-Transport-Security on plain HTTP."
[ "$mode" = tls ] && hsts='add_header Strict-Transport-Security "max-age=31536000" always;'

csp=${ARENA_NGINX_CSP:-"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"}
case "$csp" in *'"'*) die "ARENA_NGINX_CSP must not contain double quotes" ;; esac
# The API's documentation page (Swagger UI) inserts <style> elements of its own: the same
# policy with inline styles allowed, on that page only.
docs_csp=$(printf %s "$csp" | sed -e "s/style-src 'self'/style-src 'self' 'unsafe-inline'/")

temp_paths="    # Temporary files: nginx's compiled-in folders."
if [ -n "${ARENA_NGINX_TEMP_DIR:-}" ]; then
  mkdir -p "$ARENA_NGINX_TEMP_DIR"
  temp_paths="   "
  for kind in client_body proxy fastcgi uwsgi scgi; do
    temp_paths="$temp_paths ${kind}_temp_path $ARENA_NGINX_TEMP_DIR/$kind;"
  done
fi

cache_dir=${ARENA_NGINX_CACHE_DIR:-}
if [ -z "$cache_dir" ]; then
  cache_dir=/var/cache/nginx/arena-static
  [ -z "${ARENA_NGINX_TEMP_DIR:-}" ] || cache_dir=$ARENA_NGINX_TEMP_DIR/static-cache
fi
# nginx makes the folder itself (and gives it to its workers), not its parents.
mkdir -p "$(dirname "$cache_dir")"
media_root=${ARENA_NGINX_MEDIA_ROOT:-/var/lib/arena/media}
media_root=${media_root%/}

mkdir -p "$out"
out=$(cd "$out" && pwd)

# sed replacement text: escape \ & and the | delimiter.
esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }

render() {
  sed \
    -e "s|@USER@|$(esc "$user")|g" \
    -e "s|@PID_FILE@|$(esc "${ARENA_NGINX_PID_FILE:-/run/nginx.pid}")|g" \
    -e "s|@ACCESS_LOG@|$(esc "${ARENA_NGINX_ACCESS_LOG:-/dev/stdout}")|g" \
    -e "s|@CLIENT_MAX_BODY_SIZE@|$body|g" \
    -e "s|@RESOLVER@|$(esc "$resolver")|g" \
    -e "s|@CONF_DIR@|$(esc "$out")|g" \
    -e "s|@UPSTREAM@|$(esc "${ARENA_NGINX_UPSTREAM:-web:8000}")|g" \
    -e "s|@CSP@|$(esc "$csp")|g" \
    -e "s|@DOCS_CSP@|$(esc "$docs_csp")|g" \
    -e "s|@HSTS@|$(esc "$hsts")|g" \
    -e "s|@TEMP_PATHS@|$(esc "$temp_paths")|g" \
    -e "s|@CACHE_DIR@|$(esc "$cache_dir")|g" \
    -e "s|@MEDIA_ROOT@|$(esc "$media_root")|g" \
    -e "s|@WEBROOT@|$(esc "${ARENA_NGINX_WEBROOT:-/var/www/certbot}")|g" \
    -e "s|@HTTP_PORT@|$http_port|g" \
    -e "s|@HTTPS_PORT@|$https_port|g" \
    -e "s|@HTTPS_PORT_SUFFIX@|$suffix|g" \
    -e "s|@HTTP2_LISTEN@|$http2_listen|g" \
    -e "s|@HTTP2_DIRECTIVE@|$http2_directive|g" \
    -e "s|@DOMAIN@|$domain|g" \
    -e "s|@CERT_DIR@|$(esc "${ARENA_NGINX_CERT_DIR:-/etc/letsencrypt/live/$domain}")|g" \
    "$templates/$1" >"$out/$2.tmp"
  if grep -n '@[A-Z0-9_]*@' "$out/$2.tmp" >&2; then
    die "unfilled placeholders in $2"
  fi
  mv "$out/$2.tmp" "$out/$2"
}

render arena-headers.conf arena-headers.conf
render arena-proxy.conf arena-proxy.conf
render arena-app.conf arena-app.conf
render arena-acme.conf arena-acme.conf
render "arena-site-$mode.conf" arena-site.conf
render nginx.conf nginx.conf
