#!/bin/sh
# nginx in front of RL Arena's web container, with Let's Encrypt certificates.
#
# Without ARENA_DOMAIN: the site on plain HTTP (port 80).
# With ARENA_DOMAIN: nginx starts at once (plain HTTP while there is no certificate yet), then
# certbot obtains one through the webroot (ARENA_ADMIN_EMAIL for expiry mail; ARENA_ACME_STAGING
# =true uses Let's Encrypt's staging CA to try things out), nginx switches to HTTPS with HTTP
# redirecting, and certbot renews the certificate every 12 hours when it is due. A failed
# attempt is retried every ARENA_CERT_RETRY_SECONDS (600). Certificates live in
# /etc/letsencrypt: keep it on a volume. ARENA_ACME_SERVER names another ACME CA (directory URL).
# nginx/render.sh lists the other settings (ports, upstream, CSP...).
set -eu

say() { printf 'arena-nginx: %s\n' "$*" >&2; }

conf=/etc/nginx
webroot=${ARENA_NGINX_WEBROOT:-/var/www/certbot}
domain=${ARENA_DOMAIN:-}
cert_dir=${ARENA_NGINX_CERT_DIR:-/etc/letsencrypt/live/$domain}
retry=${ARENA_CERT_RETRY_SECONDS:-600}
renew_every=${ARENA_CERT_RENEW_SECONDS:-43200}
export ARENA_NGINX_WEBROOT="$webroot" ARENA_NGINX_CERT_DIR="$cert_dir"

render() { arena-nginx-render "$1" "$conf"; }
have_certificate() { [ -s "$cert_dir/fullchain.pem" ] && [ -s "$cert_dir/privkey.pem" ]; }

truthy() {
  case "$(printf %s "${1:-}" | tr '[:upper:]' '[:lower:]')" in
    1 | true | yes | on) return 0 ;;
    *) return 1 ;;
  esac
}

# Anything but the default command runs as given (e.g. `nginx -t`, a shell).
if [ "$#" -gt 0 ] && [ "$1" != nginx ]; then
  exec "$@"
fi

mkdir -p "$webroot"
if [ -z "$domain" ]; then
  say "no ARENA_DOMAIN: serving plain HTTP"
  render http
  nginx -t -q
  exec nginx -g 'daemon off;'
fi

obtain() {
  set -- certonly --non-interactive --agree-tos --keep-until-expiring \
    --webroot --webroot-path "$webroot" --cert-name "$domain" -d "$domain"
  if [ -n "${ARENA_ADMIN_EMAIL:-}" ]; then
    set -- "$@" --email "$ARENA_ADMIN_EMAIL"
  else
    set -- "$@" --register-unsafely-without-email
  fi
  truthy "${ARENA_ACME_STAGING:-false}" && set -- "$@" --test-cert
  # Another ACME CA (its directory URL), e.g. a private one.
  [ -n "${ARENA_ACME_SERVER:-}" ] && set -- "$@" --server "$ARENA_ACME_SERVER"
  certbot "$@"
}

certificates() {
  sleep 2 # nginx answers the challenge on port 80
  until have_certificate; do
    if obtain; then
      break
    fi
    say "no certificate for $domain yet (does its DNS record point here, is port 80 open?):" \
      "serving plain HTTP, trying again in ${retry}s"
    sleep "$retry"
  done
  if [ "$(cat "$conf/.arena-mode" 2>/dev/null)" != tls ]; then
    render tls && echo tls >"$conf/.arena-mode" && nginx -s reload && say "serving HTTPS for $domain"
  fi
  while :; do
    sleep "$renew_every"
    certbot renew --quiet --deploy-hook "nginx -s reload" || say "certbot renew failed; trying again later"
  done
}

if have_certificate; then
  render tls
  echo tls >"$conf/.arena-mode"
  say "serving HTTPS for $domain"
else
  render http
  echo http >"$conf/.arena-mode"
  say "no certificate for $domain yet: serving plain HTTP while certbot obtains one"
fi
nginx -t -q

nginx -g 'daemon off;' &
nginx_pid=$!
certificates &
certificates_pid=$!

# Docker's stop signal (QUIT in the nginx image, else TERM): nginx finishes its requests.
stop() { kill -QUIT "$nginx_pid" 2>/dev/null || true; }
trap stop TERM INT QUIT

status=0
while kill -0 "$nginx_pid" 2>/dev/null; do
  wait "$nginx_pid" && status=0 || status=$?
done
kill "$certificates_pid" 2>/dev/null || true
exit "$status"
