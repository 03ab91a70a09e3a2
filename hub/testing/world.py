"""A whole small world on one machine: vendor sandboxes, the hub's web app on a real port,
Redis, and connections made through each sandbox's real OAuth consent page.

Agent tests and benchmarks build on it; nothing here is a stand-in for the hub itself. What is
particular to one vendor (its seed, how a ticket is filed and answered there) is its connector's
sandbox driver (``hub.sandbox.driver``), reached as ``world[name]``.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import yaml
from sqlmodel import select

REPO = Path(__file__).resolve().parents[2]


def requesters(env=None):
    """Who can write to each helpdesk of a world, by helpdesk: the emails their sandbox
    drivers say the seeds know (``hub.sandbox.driver.SandboxDriver.requesters``)."""
    from hub.sandbox.driver import installed_drivers

    env = _without_hub_variables(os.environ) if env is None else env
    return {name: driver.requesters() for name, driver in installed_drivers(env).items() if driver.helpdesk}


def _without_hub_variables(environ):
    # A world is the same whatever the shell running it chose for its own hub.
    return {key: value for key, value in environ.items() if not key.startswith("HUB_")}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class World:
    """Every installed connector whose sandbox has a driver takes part, except those started
    only on request (``also`` names them). ``seeds`` replaces a sandbox's seed file by name."""

    def __init__(self, directory, redis_url, database_url=None, also=(), seeds=None):
        from hub.plugins import load_plugins
        from hub.registry import Registry
        from hub.sandbox.discovery import load_sandbox_factory
        from hub.sandbox.driver import drivers

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        directory = self.directory
        registry = Registry.collect(load_plugins(_without_hub_variables(os.environ)))
        self.drivers = {name: driver for name, driver in drivers(registry, world=self).items()
                        if not driver.on_request or name in also}
        seeds = dict(seeds or {})
        self.sandboxes = {}
        for name, driver in self.drivers.items():
            seed = seeds[name] if name in seeds else driver.world_seed(directory)
            factory = load_sandbox_factory(registry.connectors[name])
            self.sandboxes[name] = factory(seed=seed) if seed is not None else factory()
        self._saved_ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
        tls = None
        if any(driver.tls for driver in self.drivers.values()):
            # HTTPS only, like the real thing: the hub trusts the sandboxes' local CA.
            from hub.sandbox import ensure_certificates

            tls = ensure_certificates(directory / "tls")
            os.environ["REQUESTS_CA_BUNDLE"] = str(tls.ca)
        self.servers = {name: sandbox.serve(tls=tls if self.drivers[name].tls else False)
                        for name, sandbox in self.sandboxes.items()}
        # After REQUESTS_CA_BUNDLE: the worker processes must trust the HTTPS sandboxes too.
        self.env = _without_hub_variables(os.environ)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.config = directory / "config"
        shutil.copytree(REPO / "config", self.config)
        settings = yaml.safe_load((self.config / "settings.yaml").read_text())
        settings.update(data_dir=str(directory / "var"), sandbox_mode=True, public_url=self.url,
                        redis_url=redis_url, queue_name=f"hub-{port}",
                        http=dict(settings.get("http") or {}, max_wait=0.2, backoff_base=0.01))
        if database_url:
            settings["database_url"] = database_url
        (self.config / "settings.yaml").write_text(yaml.safe_dump(settings))
        policy = yaml.safe_load((self.config / "policy.yaml").read_text())
        policy["runs"] = dict(policy.get("runs") or {}, retry_base_seconds=0.1, lease_seconds=5)
        (self.config / "policy.yaml").write_text(yaml.safe_dump(policy))

        from hub.app import create_app
        from hub.db import upgrade
        from hub.runtime import Hub
        from hub.sandbox import serve_app

        self.hub = Hub.load(self.config, env=self.env)
        upgrade(self.hub.engine)
        self.web = serve_app(create_app(self.hub), port=port)
        self.connections = {name: self.connect(name) for name in self.servers}

    def __getitem__(self, name):
        """The driver of connector ``name``'s sandbox: ``world[name].open_ticket(...)``."""
        return self.drivers[name]

    def connect(self, name):
        """The real OAuth dance against the sandbox's consent page, finished in-process."""
        from hub import connections
        from hub.sandbox import give_consent

        connection, url, _ = connections.begin(self.hub, name, f"127.0.0.1:{self.servers[name].port}")
        query = dict(parse_qsl(urlsplit(give_consent(url)).query))
        return connections.finish(self.hub, query["state"], query.get("code"), query)

    def vendor(self, name):
        """An API client for a sandbox, authorised like the hub (for arranging test data)."""
        from hub.models import Connection
        from hub.db import session_scope

        with session_scope(self.hub.engine) as session:
            connection = session.get(Connection, self.connections[name].id)
        return self.hub.session(connection)

    def control(self, name, method, path, body=None):
        answer = requests.request(method, f"{self.servers[name].url}/_sandbox/{path}", json=body, timeout=5)
        assert answer.status_code < 400, answer.text
        return answer.json() if answer.content else None

    def set_policy(self, **changes):
        policy = yaml.safe_load((self.config / "policy.yaml").read_text())
        policy.update(changes)
        (self.config / "policy.yaml").write_text(yaml.safe_dump(policy))

    def wait_for_events(self, count, timeout=15):
        from hub.db import session_scope
        from hub.models import InboundEvent

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with session_scope(self.hub.engine) as session:
                if len(session.exec(select(InboundEvent.id)).all()) >= count:
                    return
            time.sleep(0.1)
        raise AssertionError(f"fewer than {count} webhook events arrived in {timeout}s")

    def work(self, timeout=180):
        """One burst of a real `hub worker` over the queue; returns its stderr."""
        result = subprocess.run([sys.executable, "-m", "hub", "worker", "--burst", "--config-dir", str(self.config)],
                                env=self.env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stderr

    def sync_knowledge(self, *folders):
        """`hub kb sync` of the configured folders (or ``folders``) into this world's store."""
        result = subprocess.run([sys.executable, "-m", "hub", "kb", "--config-dir", str(self.config), "sync",
                                 *map(str, folders)], env=self.env, capture_output=True, text=True, timeout=300,
                                cwd=REPO)
        assert result.returncode == 0, result.stderr[-3000:]

    def session(self):
        from hub.db import session_scope

        return session_scope(self.hub.engine)

    def runs(self):
        from hub.db import session_scope
        from hub.models import Run

        with session_scope(self.hub.engine) as session:
            return session.exec(select(Run).order_by(Run.created_at)).all()

    def stop(self):
        self.web.stop()
        for server in self.servers.values():
            server.stop()
        self.hub.engine.dispose()
        if self._saved_ca_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = self._saved_ca_bundle
