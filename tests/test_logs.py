"""Structured logs carry the ids of what the hub is working on."""

import io
import json
import logging

import pytest

from hub import logs


@pytest.fixture
def captured():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("INFO", "json", stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_records_carry_the_ids_of_the_context_they_were_logged_in(captured):
    log = logging.getLogger("hub.test")
    log.info("outside")
    with logs.context(run_id="r1", ticket_id=7):
        log.info("in a run")
        with logs.context(node="find_order", event_id=None):
            log.warning("in a node")
        log.info("back in the run")
    outside, run, node, back = lines(captured)
    assert "run_id" not in outside and outside["message"] == "outside"
    assert (run["run_id"], run["ticket_id"], run["level"]) == ("r1", 7, "INFO")
    assert node["node"] == "find_order" and node["run_id"] == "r1" and "event_id" not in node
    assert "node" not in back and back["run_id"] == "r1"


def test_exceptions_and_hostile_text_stay_one_json_line(captured):
    log = logging.getLogger("hub.test")
    try:
        raise ValueError("boom")
    except ValueError:
        with logs.context(ticket_id=3):
            log.exception('customer wrote "}\n{"level": "fake"')
    [entry] = lines(captured)
    assert entry["level"] == "ERROR" and "ValueError: boom" in entry["exception"] and entry["ticket_id"] == 3


def test_text_format_appends_the_ids(capsys):
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("INFO", "text", stream=stream)
        with logs.context(run_id="r9"):
            logging.getLogger("hub.test").info("hello")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert stream.getvalue().rstrip().endswith("hub.test: hello [run_id=r9]")
