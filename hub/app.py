"""The Flask application factory."""

import logging

from flask import Flask, jsonify
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text

from . import db, inbound
from .errors import HubError
from .introspect import plugins_info
from .runtime import Hub

log = logging.getLogger(__name__)


def create_app(hub=None, config_dir=None):
    hub = hub or Hub.load(config_dir)
    app = Flask(__name__)
    app.config["HUB"] = hub
    app.json.sort_keys = False

    from .web import approvals, auth, hooks, runs, setup, survey
    from .web import dashboard, reports
    from .web import config_editor, users

    auth.init_app(app, hub)  # sessions, CSRF, security headers, /login
    app.register_blueprint(hooks.blueprint)
    app.register_blueprint(survey.blueprint)
    app.register_blueprint(setup.blueprint)
    app.register_blueprint(approvals.blueprint)
    app.register_blueprint(runs.blueprint)
    app.register_blueprint(dashboard.blueprint)
    app.register_blueprint(reports.blueprint)
    app.register_blueprint(users.blueprint)
    app.register_blueprint(config_editor.blueprint)

    @app.get("/-/health")
    def health():
        checks = {"database": _check_database(hub), "redis": _check_redis(hub)}
        broken = hub.broken_plugins
        down = [name for name, state in checks.items() if state != "ok"]
        lost = None if "database" in down else inbound.lost_tickets(hub)
        body = {
            "status": "down" if down else ("degraded" if broken or lost else "ok"),
            "checks": checks,
            "broken_plugins": broken,
            # Tickets whose created event is older than events.lost_after_seconds and has no run.
            "lost_tickets": lost,
            "connectors": sorted(hub.registry.connectors),
        }
        return jsonify(body), 503 if down else 200

    @app.get("/-/plugins.json")
    def plugins_json():
        return jsonify(plugins_info(hub))

    @app.get("/metrics")
    def prometheus_metrics():
        from prometheus_client import CONTENT_TYPE_LATEST

        from . import metrics

        readings = metrics.exposition(hub, queue_depth=inbound.queue_depth, lost_tickets=inbound.lost_tickets)
        return readings, 200, {"Content-Type": CONTENT_TYPE_LATEST}

    return app


def _check_database(hub):
    try:
        with hub.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        # Reachable is not enough: a schema behind the code fails every query the hub makes.
        db.require_current(hub.engine)
        return "ok"
    except HubError as error:
        log.warning("health: database: %s", error)
        return f"error: {error}"
    except Exception as error:
        log.warning("health: database: %s", error)
        return f"error: {type(error).__name__}"


def _check_redis(hub):
    try:
        Redis.from_url(hub.settings.redis_url, socket_timeout=1, socket_connect_timeout=1).ping()
        return "ok"
    except RedisError as error:
        log.warning("health: redis: %s", error)
        return f"error: {type(error).__name__}"
