# Sourced by `make demo`: start the embedded defaults and run the main job.
# Redis (a real redis-server), the database schema, the vendor sandboxes and the hub.
set -u
PY=${PY:-.venv/bin/python}
mkdir -p var
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  echo "demo: starting redis-server on 127.0.0.1:6379"
  redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --dir "$PWD/var" --save "" --appendonly no \
    --logfile "$PWD/var/redis.log" >/dev/null
fi
$PY -m hub db upgrade
echo "demo: the hub is at http://127.0.0.1:8000/-/health (Ctrl-C stops it)"
exec $PY -m hub serve
