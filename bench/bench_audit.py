"""The audit log's cost: appends with and without anchor checkpoints, and `verify`.

    .venv/bin/python bench/bench_audit.py [--entries 2000]

Side by side in one run, each on a fresh SQLite database in a temporary directory: appending
``--entries`` entries (one transaction each, as the hub appends them) with checkpoints only at
the first entry (the chain's keyed MAC alone), every 10th entry (the default) and every
entry, in interleaved rounds (medians reported); then ``verify`` over the default side's log
and anchor. Writes bench/results/audit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.audit import AuditLog  # noqa: E402
from hub.audit_anchor import Anchor  # noqa: E402
from hub.audit_keys import AuditKeys  # noqa: E402
from hub.db import make_engine, upgrade  # noqa: E402

RESULTS = REPO / "bench" / "results" / "audit.json"
SIDES = {"MAC only (checkpoint at entry 1)": 10**9, "checkpoint every 10th (default)": 10, "checkpoint every entry": 1}


def fresh_log(directory: Path, every: int) -> AuditLog:
    engine = make_engine(f"sqlite:///{directory / 'hub.db'}")
    upgrade(engine)
    keys = AuditKeys([b"a benchmark audit key, 32+ bytes"], "bench")
    return AuditLog(engine, keys, Anchor(directory / "audit.anchor", keys), every_entries=every)


def append_all(log: AuditLog, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        log.append("run.step", {"node": f"node-{n % 7}", "outcome": "ok", "n": n}, run_id=f"run-{n // 20}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    per_round = args.entries // args.rounds
    results = {"entries": per_round * args.rounds, "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as root:
        logs = {}
        for number, (side, every) in enumerate(SIDES.items()):
            directory = Path(root) / str(number)
            directory.mkdir()
            logs[side] = fresh_log(directory, every)
        # Interleaved rounds, so a burst of load on the shared machine hits every side alike.
        rates = {side: [] for side in SIDES}
        for _ in range(args.rounds):
            for side, log in logs.items():
                rates[side].append(per_round / append_all(log, per_round))
        results["appends_per_second_median"] = {side: round(statistics.median(r)) for side, r in rates.items()}
        default = logs["checkpoint every 10th (default)"]
        started = time.perf_counter()
        assert default.verify() == []
        results["verify_seconds"] = round(time.perf_counter() - started, 3)
        results["anchor_bytes_default"] = default.anchor.path.stat().st_size
        for log in logs.values():
            log.engine.dispose()
    medians = results["appends_per_second_median"]
    baseline = medians["MAC only (checkpoint at entry 1)"]
    results["ratio_to_mac_only"] = {side: round(rate / baseline, 2) for side, rate in medians.items()}
    results.update(when=time.strftime("%Y-%m-%d %H:%M"), load_before=load_before, load_after=os.getloadavg()[0])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
