"""The scale-out path: the same knowledge base on a real Chroma server (`chroma run`)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hub.testing.services import require_service

from hub.knowledge import KnowledgeBase, KnowledgeConfigError, LocalFolderSource

CHROMA = Path(sys.executable).with_name("chroma")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists():
        require_service("the chroma server", f"no chroma executable beside {sys.executable} "
                        "(the chromadb package installs it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = open(folder / "server.log", "wb")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/api/v2/heartbeat", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma server did not start: {(folder / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_sync_and_ask_through_a_chroma_server(chroma_url, embeddings, kb_folder):
    settings = {"knowledge": {"url": chroma_url, "collection": "server-test"}}
    kb = KnowledgeBase.open(settings, embeddings=embeddings)
    source = LocalFolderSource(kb_folder, name="help")
    assert kb.sync(source, progress=False).added == 23
    (kb_folder / "newsletter.md").unlink()
    again = KnowledgeBase.open(settings, embeddings=embeddings)
    result = again.sync(source, progress=False)
    assert (result.deleted, result.unchanged) == (1, 22)
    answer = again.ask("How do I reset my password?")
    assert answer.citations[0] == (
        "Reset your password or recover your account",
        "https://help.brightline.example/articles/password-reset",
    )


def test_unreachable_server_is_a_config_error(embeddings):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(KnowledgeConfigError, match="cannot reach the Chroma server"):
        KnowledgeBase.open({"knowledge": {"url": url}}, embeddings=embeddings)
