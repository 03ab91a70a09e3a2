"""`hub worker` runs rq jobs from the hub's queue on a real Redis."""

import os
import subprocess
import sys
from pathlib import Path

from redis import Redis
from rq import Queue


def test_worker_runs_queued_jobs(redis_url, hub, config_dir, tmp_path):
    marker = tmp_path / "marker.txt"
    queue = Queue("hub", connection=Redis.from_url(redis_url))
    job = queue.enqueue("jobs_fixture.write_marker", str(marker), "ran")
    env = dict(os.environ, HUB_REDIS_URL=redis_url, PYTHONPATH=str(Path(__file__).parent))
    result = subprocess.run([sys.executable, "-m", "hub", "worker", "--burst", "--config-dir", str(config_dir)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "ran"
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == "ran"


def test_worker_refuses_an_unmigrated_database(redis_url, config_dir):
    env = dict(os.environ, HUB_REDIS_URL=redis_url)
    result = subprocess.run([sys.executable, "-m", "hub", "worker", "--burst", "--config-dir", str(config_dir)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "run `hub db upgrade`" in result.stderr
