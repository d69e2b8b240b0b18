#!/usr/bin/env bash
# Installs what is missing, and nothing else (idempotent):
#   --for run   PostgreSQL server binaries and RabbitMQ, unless a container runtime answers
#               (then the AppHost uses containers and needs neither);
#   --for test  PostgreSQL and RabbitMQ always (the end-to-end tests run the local mode),
#               and Debian's Chromium for the browser tests;
#   --for bench PostgreSQL and RabbitMQ always (the pipeline benchmark runs the local mode), and Linux perf
#               for its CPU profile.
set -euo pipefail

purpose=run
while [ $# -gt 0 ]; do
  case "$1" in
    --for) purpose="${2:-}"; shift 2 ;;
    *) echo "usage: $0 [--for run|test|bench]" >&2; exit 2 ;;
  esac
done
case "$purpose" in run|test|bench) ;; *) echo "usage: $0 [--for run|test|bench]" >&2; exit 2 ;; esac

container_runtime_answers() {
  local rt
  for rt in docker podman; do
    if command -v "$rt" >/dev/null 2>&1 && timeout 10 "$rt" info >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

have_postgres() {
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

have_rabbitmq() {
  command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]
}

packages=()
if [ "$purpose" != run ] || ! container_runtime_answers; then
  have_postgres || packages+=(postgresql)
  have_rabbitmq || packages+=(rabbitmq-server)
fi
have_browser() {
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ] && return 0
  command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}

if [ "$purpose" = test ] && ! have_browser; then
  packages+=(chromium)
fi

if [ "$purpose" = bench ] && ! command -v perf >/dev/null 2>&1; then
  packages+=(linux-perf)
fi

# The OpenAPI lint test runs Redocly's CLI from tests/openapi-lint (Node.js and npm from Debian).
if [ "$purpose" = test ] && ! { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; }; then
  packages+=(nodejs npm)
fi

install_openapi_lint() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/openapi-lint"
  if [ "$purpose" = test ] && [ ! -d "$dir/node_modules" ]; then
    echo "Installing the OpenAPI linter (npm ci in tests/openapi-lint)"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
}

if [ ${#packages[@]} -eq 0 ]; then
  install_openapi_lint
  exit 0
fi

echo "Installing: ${packages[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: ${packages[*]} missing and apt-get is not available; install them with your package manager," >&2
  echo "       or install Docker/Podman so the AppHost can use containers." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "error: installing ${packages[*]} needs root (or sudo)" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# policy-rc.d keeps the package from starting (and enabling) system-wide services:
# the AppHost runs its own PostgreSQL and RabbitMQ on private ports.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  created_policy=true
fi
trap '$created_policy && $sudo rm -f "$policy"' EXIT
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "Installed: ${packages[*]}"
install_openapi_lint
