#!/usr/bin/env bash
# Make sure the real services the tests and the demo use are installed, and start a throw-away
# PostgreSQL for the test suite. Sourced by .ci/run and the Makefile:
#   . scripts/services.sh; ensure_packages; start_postgres   (exports HUB_TEST_POSTGRES_URL)
set -u

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${HUB_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; export HUB_APT_UPDATED=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v chromium >/dev/null || missing+=(chromium)
  pg_bin >/dev/null || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "services: installing ${missing[*]} from the OS packages"
    if [ "$(id -u)" = 0 ]; then apt_install "${missing[@]}"; else sudo -n true 2>/dev/null && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; fi
  fi
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

# A PostgreSQL cluster in a temp dir on a free port, owned by an unprivileged user when run as root.
start_postgres() {
  local bin dir port user
  bin=$(pg_bin) || { echo "services: PostgreSQL is not installed" >&2; return 1; }
  dir=$(mktemp -d /tmp/hub-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  user=$(id -un)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    user=postgres; id postgres >/dev/null 2>&1 || useradd --system postgres
    chown postgres "$dir"; run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U hub --auth=trust -E UTF8 >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -l "$dir/log" -w start >/dev/null
  "${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U hub hub_test
  export HUB_TEST_POSTGRES_URL="postgresql+psycopg://hub@127.0.0.1:$port/hub_test"
  export HUB_PG_DIR="$dir"
  HUB_PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop)
  echo "services: PostgreSQL on port $port"
}

stop_postgres() {
  [ -n "${HUB_PG_DIR:-}" ] || return 0
  "${HUB_PG_STOP[@]}" >/dev/null 2>&1 || true
  rm -rf "$HUB_PG_DIR"
}
