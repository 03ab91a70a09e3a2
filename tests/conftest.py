import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from hub.testing.services import require_service

REPO = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def config_dir(tmp_path):
    """A copy of the default config whose data lives in the test's tmp dir."""
    directory = tmp_path / "config"
    shutil.copytree(REPO / "config", directory)
    settings_path = directory / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text())
    settings["data_dir"] = str(tmp_path / "var")
    settings["http"] = dict(settings.get("http") or {}, max_wait=0.2, backoff_base=0.01)
    settings_path.write_text(yaml.safe_dump(settings))
    return directory


@pytest.fixture
def hub(config_dir):
    from hub.db import upgrade
    from hub.runtime import Hub

    instance = Hub.load(config_dir, env={})
    upgrade(instance.engine)
    yield instance
    instance.engine.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on a free port, for the whole test session."""
    binary = shutil.which("redis-server")
    if not binary:
        require_service("redis-server", "install it (make test does: apt-get install redis-server)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL database (HUB_TEST_POSTGRES_URL, started by .ci/run)."""
    url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not url:
        require_service("PostgreSQL", "set HUB_TEST_POSTGRES_URL (.ci/run starts a server and sets it)")
    return url


@pytest.fixture
def toy(config_dir):
    """The toy plugin registered, its vendor running, and a hub with one connected connection."""
    from hub.db import session_scope, upgrade
    from hub.models import Connection, ConnectionStatus
    from hub.plugins import pm
    from hub.runtime import Hub
    from toy import ToyPlugin, ToyVendor

    vendor = ToyVendor()
    instance = vendor.serve()
    plugin = ToyPlugin()
    pm.register(plugin, name="toy")
    try:
        hub = Hub.load(config_dir, env={})
        upgrade(hub.engine)
        with session_scope(hub.engine) as session:
            connection = Connection(
                connector="toy", instance=instance, api_base_url=f"http://{instance}",
                status=ConnectionStatus.connected, granted_scopes=["read", "write"],
                token_ciphertext=hub.box.encrypt(vendor.issue()), token_version=1,
            )
            session.add(connection)
        hub.toy_vendor, hub.toy_connection = vendor, connection
        yield hub
    finally:
        pm.unregister(plugin)
        vendor.stop()
