#!/usr/bin/env bash
# The BullMQ tests start private redis-server processes (Debian's package). Install it when it is
# missing; tests never use a Redis they did not start.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "ensure-redis: redis-server is missing; installing Debian's redis-server package" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "ensure-redis: not root and no passwordless sudo: install it with 'apt-get install -y redis-server'" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The package's own service, where it starts, is not used: tests start private servers on free ports.
$SUDO apt-get install -y -qq redis-server >/dev/null
command -v redis-server >/dev/null
echo "ensure-redis: $(redis-server --version)" >&2
