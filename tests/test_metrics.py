"""/metrics: counters from every process that counts, and state read at scrape time."""

import os
import subprocess
import sys

from hub.app import create_app


def sample(text, name, **labels):
    """The value of one sample in the Prometheus text format (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def test_metrics_counts_webhook_rejections_and_reads_state(toy):
    from hub.db import session_scope
    from hub.models import Connection

    with session_scope(toy.engine) as session:
        row = session.get(Connection, toy.toy_connection.id)
        row.webhook_secret_ciphertext = toy.box.encrypt("s3cret")
        session.add(row)
    client = create_app(toy).test_client()
    before = sample(client.get("/metrics").text, "hub_webhooks_total", connector="toy", outcome="rejected")
    assert client.post(f"/hooks/toy/{toy.toy_connection.id}", data=b'{"id": "1"}',
                       headers={"X-Toy-Signature": "forged"}).status_code == 401
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.content_type.startswith("text/plain")
    text = answer.text
    assert sample(text, "hub_webhooks_total", connector="toy", outcome="rejected") == before + 1
    assert sample(text, "hub_connections", connector="toy", status="connected") == 1
    assert sample(text, "hub_approvals_pending") == 0


def test_counters_from_worker_processes_add_up(tmp_path, hub):
    """Multiprocess mode: what two other processes counted shows in this one's exposition."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    script = ("import os; os.environ['PROMETHEUS_MULTIPROC_DIR'] = %r\n"
              "from hub import metrics; metrics.tool_call('shopify', 'shopify.refund', 'done', 0.2)" % str(directory))
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], check=True)
    reader = ("import os, sys; os.environ['PROMETHEUS_MULTIPROC_DIR'] = %r\n"
              "from hub.runtime import Hub; from hub import metrics\n"
              "sys.stdout.write(metrics.exposition(Hub.load(%r, env={})).decode())" % (str(directory), str(hub.config_path)))
    text = subprocess.run([sys.executable, "-c", reader], check=True, capture_output=True, text=True,
                          env=dict(os.environ, HUB_REDIS_URL="redis://127.0.0.1:1/0")).stdout
    assert sample(text, "hub_tool_calls_total", connector="shopify", tool="shopify.refund", outcome="done") == 2
    assert sample(text, "hub_tool_call_seconds_count", connector="shopify") == 2
