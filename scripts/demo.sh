# Sourced by `make demo`: start the embedded Redis if none answers, then run the main job end to
# end with `hub demo` (sandboxes, hub, workers, OAuth, a backlog of tickets; Ctrl-C stops it).
# Extra options through DEMO_ARGS, e.g. `make demo DEMO_ARGS="--once --approve"`.
set -u
PY=${PY:-.venv/bin/python}
mkdir -p var
if [ -z "${HUB_REDIS_URL:-}" ] && ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  echo "demo: starting redis-server on 127.0.0.1:6379"
  redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --dir "$PWD/var" --save "" --appendonly no \
    --logfile "$PWD/var/redis.log" >/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
# shellcheck disable=SC2086  # DEMO_ARGS is a list of options
exec $PY -m hub demo ${DEMO_ARGS:-}
