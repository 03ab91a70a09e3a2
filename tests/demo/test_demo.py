"""`hub demo --once` end to end: real sandboxes, waitress, `hub worker` processes, Redis, OAuth."""

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


def demo(*args, redis_url, timeout=150):
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env["HUB_REDIS_URL"] = redis_url
    env["HUB_CACHE_DIR"] = os.environ.get("HUB_CACHE_DIR") or str(REPO / "var" / "cache")
    return subprocess.run([sys.executable, "-m", "hub", "demo", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def as_from_a_terminal():
    """Ctrl-C reaches the child as it would from a terminal: a test run started in the background
    (``make test &``) inherits SIGINT ignored, and Python then never turns it into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def processes_using(path):
    """Pids whose command line names ``path`` (the demo's workers carry its config dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(path) in command:
                found.append(int(entry.name))
    return found


def summary_rows(output):
    """``{flow: {column: count}}`` from the summary table (it ends at a blank line)."""
    block = output[output.index("Outcomes by flow:"):].split("\n\n")[0].splitlines()[1:]
    header = re.split(r"\s{2,}", block[0].strip())
    rows = {}
    for line in block[1:]:
        if not line.strip().startswith("-"):
            cells = re.split(r"\s{2,}", line.strip())
            rows[cells[0]] = dict(zip(header[1:], map(int, cells[1:])))
    return rows


def test_a_short_demo_settles_approves_and_stops_everything(tmp_path, redis_url):
    data = tmp_path / "demo"
    result = demo("--once", "--port", "0", "--limit", "12", "--approve", "--data-dir", str(data),
                  "--timeout", "90", redis_url=redis_url)
    output = result.stdout
    assert result.returncode == 0, output[-3000:] + result.stderr[-3000:]
    for vendor in ("salesforce", "servicenow", "shopify", "zendesk"):
        assert f"demo: connected {vendor} through " in output
    assert "demo: filed 12 tickets" in output
    assert re.search(r"received 12/12", output)
    assert re.search(r"demo: \d+ action\(s\) await approval:\n  #\d+  refund: shopify\.refund", output)
    assert "demo.approver@example.com approved" in output

    rows = summary_rows(output)
    total = rows.pop("total")
    assert total["total"] == 12
    assert total["resolved"] >= 1 and total["escalated"] >= 1
    assert sum(row.get("resolved", 0) for row in rows.values()) == total["resolved"]
    assert "awaiting approval" not in total  # every approved run went on to finish
    assert processes_using(data / "config") == []  # the workers are gone


def test_an_unreachable_redis_is_one_clear_line(tmp_path):
    result = demo("--once", "--port", "0", "--data-dir", str(tmp_path / "demo"),
                  redis_url="redis://127.0.0.1:1/0", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [(
        "demo: error: Redis is not reachable at redis://127.0.0.1:1/0 (ConnectionError); "
        "start redis-server (scripts/demo.sh does) or set HUB_REDIS_URL"
    )]
    assert not (tmp_path / "demo").exists()


def test_a_directory_that_is_not_a_demo_one_is_never_wiped(tmp_path, redis_url):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = demo("--once", "--port", "0", "--data-dir", str(precious), redis_url=redis_url, timeout=60)
    assert result.returncode == 1
    assert "refusing to wipe" in result.stderr and "not a demo data directory" in result.stderr
    assert (precious / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "Invalid value for '--workers'"),
    (["--limit", "0"], "Invalid value for '--limit'"),
    (["--backlog", "/nonexistent/backlog.yaml"], "does not exist"),
])
def test_bad_options_are_refused_before_anything_starts(tmp_path, redis_url, args, message):
    result = demo("--once", "--data-dir", str(tmp_path / "demo"), *args, redis_url=redis_url, timeout=60)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "demo").exists()


def test_without_once_it_serves_until_interrupted_then_stops_everything(tmp_path, redis_url):
    data = tmp_path / "demo"
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(HUB_REDIS_URL=redis_url, HUB_CACHE_DIR=os.environ.get("HUB_CACHE_DIR") or str(REPO / "var" / "cache"))
    process = subprocess.Popen([sys.executable, "-m", "hub", "demo", "--port", "0", "--limit", "2",
                                "--data-dir", str(data)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, preexec_fn=as_from_a_terminal)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen, deadline = [], time.monotonic() + 80
    try:
        while not any("stays up until Ctrl-C" in line for line in seen):
            assert time.monotonic() < deadline and process.poll() is None, "".join(seen)[-3000:]
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        web = next(re.search(r"web app\s+(\S+)/ ", line).group(1) for line in seen if "web app" in line)
        assert requests.get(f"{web}/-/health", timeout=10).json()["checks"]["redis"] == "ok"
        assert len(processes_using(data / "config")) == 2  # the default two workers
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert processes_using(data / "config") == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{web}/-/health", timeout=5)
