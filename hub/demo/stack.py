"""Everything `hub demo` runs, started in order and stopped in reverse, even on error.

Real parts only: every installed connector's sandbox on loopback ports, the hub's web app under
waitress, `hub worker` processes on a real Redis queue, and connections made through each
sandbox's OAuth consent page.
"""

import contextlib
import functools
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import waitress
import yaml
from redis import Redis
from redis.exceptions import RedisError
from sqlmodel import select

from .. import connections, db
from ..app import create_app
from ..config import config_dir as default_config_dir
from ..models import Connection, ConnectionStatus
from ..runtime import Hub
from ..sandbox import discover, give_consent, run_all
from ..sandbox.discovery import broken as broken_sandboxes
from ..sandbox.driver import installed_drivers
from .backlog import DemoError
from .operator import Browser

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: Environment the demo passes on to its hub and workers. Every other HUB_* variable is the
#: operator's (a production database, real client ids) and must not reach a throwaway demo.
KEPT_HUB_VARIABLES = {"HUB_CACHE_DIR", "HUB_LOAD_PLUGINS"}
WORKER_START_SECONDS = 120
MARKER = ".hub-demo"
ADMIN = "demo.admin@example.com"
APPROVER = "demo.approver@example.com"


def redis_url_from(env):
    return env.get("HUB_REDIS_URL") or DEFAULT_REDIS_URL


def check_redis(url):
    try:
        Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except (RedisError, ValueError) as error:
        raise DemoError(f"Redis is not reachable at {url} ({type(error).__name__}); start redis-server "
                        "(scripts/demo.sh does) or set HUB_REDIS_URL") from None


def demo_seeds(drivers, directory):
    """``{connector: seed file}`` for the sandboxes that want the other sandboxes' customers in
    their seed (a helpdesk vouching for the store's shoppers, so their order questions verify)."""
    customers = [customer for driver in drivers.values() for customer in driver.customers()]
    seeds = {name: driver.demo_seed(directory, customers) for name, driver in drivers.items()}
    return {name: seed for name, seed in seeds.items() if seed is not None}


class Stack:
    """``with Stack(...) as stack:`` starts everything; leaving the block stops it all."""

    def __init__(self, data_dir, port=8000, workers=2, redis_url=DEFAULT_REDIS_URL, keep=False,
                 config_source=None, say=print):
        self.data_dir = Path(data_dir).resolve()
        self.port, self.worker_count, self.redis_url, self.keep = port, workers, redis_url, keep
        self.config_source = Path(config_source or default_config_dir())
        self.say = say
        self.config_dir = self.data_dir / "config"
        self.hub = self.url = None
        self.servers, self.connections, self.workers = {}, {}, []
        self._stack = contextlib.ExitStack()

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info):
        self._stack.close()

    def _start(self):
        check_redis(self.redis_url)
        self._prepare_directory()
        listener = self._listen()
        self._start_sandboxes()
        self._write_config()
        self.env = self._environment()
        self.hub = Hub.load(self.config_dir, env=self.env)
        self._stack.callback(self.hub.engine.dispose)
        db.upgrade(self.hub.engine)
        self._sync_knowledge()
        self._empty_queue()
        self._stack.callback(self._empty_queue)
        self._start_web(listener)
        self._start_workers()
        self._add_operators()
        self._connect_all()

    def _prepare_directory(self):
        marker = self.data_dir / MARKER
        if self.data_dir.exists() and not self.keep:
            # Only a directory an earlier demo made is wiped: a mistyped --data-dir must not
            # cost anyone their files.
            if any(self.data_dir.iterdir()) and not marker.exists():
                raise DemoError(f"refusing to wipe {self.data_dir}: it is not a demo data directory "
                                f"(no {MARKER} file); choose another --data-dir")
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        marker.touch()

    def _listen(self):
        # Bound before the config is written: public_url must carry the real port (--port 0).
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self.port))
        except OSError as error:
            listener.close()
            raise DemoError(f"cannot listen on 127.0.0.1:{self.port}: {error.strerror}; choose another --port") from None
        listener.listen(128)
        self._stack.callback(listener.close)
        self.port = listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return listener

    def _start_sandboxes(self):
        # One line per sandbox request would drown the progress display.
        werkzeug = logging.getLogger("werkzeug")
        self._stack.callback(werkzeug.setLevel, werkzeug.level)
        werkzeug.setLevel(logging.WARNING)
        factories = discover()
        for name, reason in broken_sandboxes.items():
            self.say(f"demo: warning: {name} is not available: {reason}")
        if not factories:
            raise DemoError("no installed connector ships a sandbox (pip install -e plugins/<connector> …)")
        drivers = {name: driver for name, driver in installed_drivers().items() if name in factories}
        for name, seed in demo_seeds(drivers, self.data_dir).items():
            factories[name] = functools.partial(factories[name], seed=seed)
        try:
            self.servers = run_all(factories, tls_dir=self.data_dir / "tls")
        except RuntimeError as error:
            raise DemoError(str(error)) from None
        for server in self.servers.values():
            self._stack.callback(server.stop)
        tls = next((server.tls for server in self.servers.values() if server.tls), None)
        if tls:
            # The hub's vendor sessions are requests sessions: they trust the HTTPS sandboxes'
            # local CA through the variable requests reads, as an operator would configure it.
            self._stack.callback(_restore_variable, "REQUESTS_CA_BUNDLE", os.environ.get("REQUESTS_CA_BUNDLE"))
            os.environ["REQUESTS_CA_BUNDLE"] = str(tls.ca)

    def _write_config(self):
        if not (self.config_source / "settings.yaml").is_file():
            raise DemoError(f"no configuration to copy at {self.config_source} (run from the repository, "
                            "or set HUB_CONFIG_DIR)")
        shutil.copytree(self.config_source, self.config_dir, dirs_exist_ok=True)
        path = self.config_dir / "settings.yaml"
        settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        settings.update(data_dir=str(self.data_dir), database_url="", sandbox_mode=True, public_url=self.url,
                        redis_url=self.redis_url, queue_name=f"demo-{self.port}")
        knowledge = dict(settings.get("knowledge") or {})
        # Folders are relative to the checkout the configuration came from, not to the copy.
        knowledge["folders"] = [str((self.config_source.parent / folder).resolve())
                                for folder in knowledge.get("folders") or []]
        settings["knowledge"] = knowledge
        path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")

    def _environment(self):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("HUB_") or key in KEPT_HUB_VARIABLES}
        env.setdefault("HUB_CACHE_DIR", str(Path.cwd() / "var" / "cache"))  # the classifier, trained once
        return env

    def _sync_knowledge(self):
        """The knowledge base the agent answers general questions from (`hub kb sync`)."""
        result = subprocess.run([sys.executable, "-m", "hub", "kb", "--config-dir", str(self.config_dir), "sync",
                                 "--no-progress"], env=self.env, capture_output=True, text=True)
        if result.returncode != 0:
            raise DemoError(f"hub kb sync failed: {result.stderr.strip().splitlines()[-1:]}")
        self.say(f"demo: knowledge base: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else 'synced'}")

    def _empty_queue(self):
        from rq import Queue

        with contextlib.suppress(RedisError):
            Queue(self.hub.settings.queue_name, connection=Redis.from_url(self.redis_url)).empty()

    def _start_web(self, listener):
        server = waitress.create_server(create_app(self.hub), sockets=[listener], threads=8, ident="helpdesk-hub")
        thread = threading.Thread(target=server.run, name="demo-web", daemon=True)
        thread.start()

        def stop():
            server.close()
            thread.join(timeout=5)

        self._stack.callback(stop)

    def _start_workers(self):
        command = [sys.executable, "-m", "hub", "worker", "--config-dir", str(self.config_dir)]
        for number in range(1, self.worker_count + 1):
            with open(self.data_dir / f"worker-{number}.log", "wb") as log:  # the child keeps its own copy
                process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL)
            self.workers.append(process)
            self._stack.callback(_stop_process, process)
        self.say(f"demo: started {self.worker_count} worker(s); logs in {self.data_dir}/worker-*.log")

    def wait_for_workers(self, timeout=WORKER_START_SECONDS):
        """Block until every worker is listening on the queue; fail if one exits first."""
        from rq import Worker

        redis = Redis.from_url(self.redis_url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_workers()
            listening = [w for w in Worker.all(connection=redis)
                         if self.hub.settings.queue_name in w.queue_names() and w.pid in self.worker_pids]
            if len(listening) >= len(self.workers):
                return
            time.sleep(0.2)
        raise DemoError(f"the workers did not start listening within {timeout}s; see {self.data_dir}/worker-*.log")

    @property
    def worker_pids(self):
        return {process.pid for process in self.workers}

    def check_workers(self):
        """Raise DemoError, with the end of its log, if a worker process has exited."""
        for number, process in enumerate(self.workers, 1):
            if process.poll() is not None:
                log = self.data_dir / f"worker-{number}.log"
                tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
                raise DemoError(f"worker {number} exited with status {process.returncode}:\n  "
                                + "\n  ".join(tail or ["(no output)"]))

    # -- connecting ------------------------------------------------------------------------

    def _add_operators(self):
        """The demo's admin (connects the vendors) and approver, with fresh passwords."""
        from .. import accounts

        self.operators = {}
        for email, role in ((ADMIN, "admin"), (APPROVER, "approver")):
            password = secrets.token_urlsafe(12)
            if any(operator.email == email for operator in accounts.list_operators(self.hub)):
                accounts.remove_operator(self.hub, email)  # --keep: a new password each run
            accounts.add_operator(self.hub, email, password, role)
            self.operators[email] = password

    def _disconnect_previous(self):
        """--keep: connections from an earlier demo point at sandboxes that are gone."""
        with db.session_scope(self.hub.engine) as session:
            stale = session.exec(select(Connection.id).where(
                Connection.status != ConnectionStatus.disconnected)).all()
        for connection_id in stale:
            connections.disconnect(self.hub, connection_id, actor=ADMIN)

    def _connect_all(self):
        self._disconnect_previous()
        browser = Browser(self.url)
        self._stack.callback(browser.close)
        through_web = browser.has_sign_in()
        if through_web:
            browser.sign_in(ADMIN, self.operators[ADMIN])
        for name in sorted(self.servers):
            instance = f"127.0.0.1:{self.servers[name].port}"
            try:
                if through_web:
                    connection_id = browser.connect(name, instance)
                    how = "the hub's Connect page and its consent page"
                else:
                    connection_id = self._connect_in_process(name, instance)
                    how = "its consent page (callback finished in-process: the web app has no sign-in)"
            except DemoError as error:
                raise DemoError(f"connecting {name}: {error}") from None
            except Exception as error:  # noqa: BLE001 — whatever went wrong, one line naming the vendor
                raise DemoError(f"connecting {name}: {type(error).__name__}: {error}") from None
            with db.session_scope(self.hub.engine) as session:
                row = session.get(Connection, connection_id)
            if row is None or row.status.value != "connected":
                raise DemoError(f"connecting {name}: the connection is {row.status.value if row else 'missing'} "
                                "after the callback")
            if row.status_reason:
                self.say(f"demo: warning: {name}: {row.status_reason}")
            self.connections[name] = row
            self.say(f"demo: connected {name} through {how} ({row.id})")

    def _connect_in_process(self, name, instance):
        """begin → the sandbox's consent page → finish, as the conformance harness does."""
        connection, url, _state = connections.begin(self.hub, name, instance)
        query = dict(parse_qsl(urlsplit(give_consent(url)).query, keep_blank_values=True))
        connections.finish(self.hub, query.get("state"), query.get("code"), query)
        return connection.id


def _restore_variable(name, value):
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _stop_process(process, grace=10):
    """SIGTERM (rq finishes the job in hand), then SIGKILL if it will not go."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
