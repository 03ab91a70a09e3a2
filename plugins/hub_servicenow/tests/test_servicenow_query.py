"""Encoded queries (sysparm_query) answer what an instance would, or are refused with a 400 in
ServiceNow's envelope — never a 200 on a quietly wider query. Through PySNC (the official
client) over HTTPS, and property-tested on the query engine."""

from datetime import datetime, timedelta, timezone

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from pysnc import ServiceNowClient

from hub.sandbox import ensure_certificates
from hub_servicenow.sandbox import create_sandbox
from hub_servicenow.sandbox.instance import ApiError
from hub_servicenow.sandbox.query import Evaluator, parse

USER, PASSWORD = "hub.integration", "sandbox-integration-password"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    sandbox = create_sandbox()
    tls = ensure_certificates(tmp_path_factory.mktemp("tls"))
    with sandbox.serve(tls=tls) as server:
        yield sandbox, server, tls


@pytest.fixture
def client(served, monkeypatch):
    sandbox, server, tls = served
    sandbox_reset = requests.post(f"{server.url}/_sandbox/reset", json={}, verify=str(tls.ca))
    assert sandbox_reset.ok
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    return ServiceNowClient(server.url, (USER, PASSWORD), verify=str(tls.ca))


def numbers(client, build):
    records = client.GlideRecord("incident")
    build(records)
    records.order_by("number")
    records.query()
    return [r.number for r in records]


def all_incidents(served):
    sandbox = served[0]
    with sandbox.lock:
        return list(sandbox.data["tables"]["incident"])


def test_between_on_dates_is_inclusive(client, served):
    found = numbers(client, lambda r: r.add_query("sys_created_on", "BETWEEN",
                                                   "2026-11-20 00:00:00@2026-11-22 23:59:59"))
    expected = sorted(r["number"] for r in all_incidents(served) if "2026-11-20" <= r["sys_created_on"][:10] <= "2026-11-22")
    assert found == expected and found


def test_or_and_new_query(client, served):
    rows = all_incidents(served)
    ored = numbers(client, lambda r: r.add_encoded_query("priority=1^ORpriority=5"))
    assert ored == sorted(r["number"] for r in rows if r["priority"] in ("1", "5"))
    alternatives = numbers(client, lambda r: r.add_encoded_query("state=1^priority=3^NQstate=3"))
    assert alternatives == sorted(r["number"] for r in rows if (r["state"], r["priority"]) == ("1", "3") or r["state"] == "3")


def test_incident_created_now_is_found_by_date_functions(client):
    created = client.GlideRecord("incident")
    created.initialize()
    created.short_description = "Created for the date-function query"
    created.insert()
    today = numbers(client, lambda r: r.add_encoded_query(
        "sys_created_onONToday@javascript:gs.beginningOfToday()@javascript:gs.endOfToday()"))
    assert today == [created.number]
    recent = numbers(client, lambda r: r.add_encoded_query("sys_created_onRELATIVEGT@hour@ago@1"))
    assert recent == [created.number]
    assert created.number not in numbers(client, lambda r: r.add_encoded_query("sys_created_on<javascript:gs.daysAgoStart(0)"))


@pytest.mark.parametrize("query", ["stateINSTANCEOFtask", "short_descriptionVALCHANGES",
                                   "sys_created_onDATEPARTMonday@javascript:gs.datePart('dayofweek','monday','EE')",
                                   "sys_created_on>javascript:gs.getUserID()", "ORpriority=1", "GROUPBYpriority",
                                   "priorityBETWEEN1", "activeISEMPTYtrue"])
def test_what_the_sandbox_cannot_run_is_refused(served, query):
    sandbox, server, tls = served
    answer = requests.get(f"{server.url}/api/now/table/incident", params={"sysparm_query": query},
                          auth=(USER, PASSWORD), verify=str(tls.ca))
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "failure" and body["error"]["message"] == "Invalid query"


def test_unknown_column_is_ignored_as_the_instance_ignores_it(client, served):
    assert numbers(client, lambda r: r.add_encoded_query("no_such_column=1")) == sorted(
        r["number"] for r in all_incidents(served))


# -- properties of the engine, on the seed ---------------------------------------------------

TABLES = create_sandbox().data["tables"]
ROWS = TABLES["incident"]
EVALUATOR = Evaluator(TABLES)
COLUMNS = ["priority", "state", "urgency", "impact", "active", "category"]
CONDITION = st.tuples(st.sampled_from(COLUMNS), st.sampled_from(["=", "!="]),
                      st.sampled_from(["1", "2", "3", "4", "5", "true", "false", "inquiry", "network"]))


def selected(query):
    return {r["sys_id"] for r in EVALUATOR.select("incident", parse(query))}


def holds(row, condition):
    column, op, value = condition
    return (row[column].lower() == value) == (op == "=")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(CONDITION, min_size=1, max_size=3), min_size=1, max_size=3))
def test_or_groups_and_nq_are_boolean_logic(alternatives):
    """``^OR`` binds tighter than ``^``; ``^NQ`` joins whole queries."""
    query = "^NQ".join("^OR".join(f"{c}{o}{v}" for c, o, v in group) for group in alternatives)
    # Each alternative here is one OR group (a single AND term), so the whole is an OR of ORs.
    expected = {r["sys_id"] for r in ROWS if any(any(holds(r, c) for c in group) for group in alternatives)}
    assert selected(query) == expected


@settings(max_examples=80, deadline=None)
@given(st.lists(CONDITION, min_size=1, max_size=4))
def test_carets_are_and(conditions):
    query = "^".join(f"{c}{o}{v}" for c, o, v in conditions)
    assert selected(query) == {r["sys_id"] for r in ROWS if all(holds(r, c) for c in conditions)}


STAMPS = st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2026, 12, 1)).map(
    lambda d: d.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S"))


@settings(max_examples=80, deadline=None)
@given(STAMPS, STAMPS)
def test_between_is_the_closed_interval(a, b):
    low, high = min(a, b), max(a, b)
    expected = {r["sys_id"] for r in ROWS if low <= r["sys_created_on"] <= high}
    assert selected(f"sys_created_onBETWEEN{low}@{high}") == expected
    assert selected(f"sys_created_on>={low}^sys_created_on<={high}") == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40))
def test_days_ago_start_is_midnight_n_days_back(n):
    start = (datetime.now(timezone.utc) - timedelta(days=n)).replace(hour=0, minute=0, second=0)
    cut = start.strftime("%Y-%m-%d %H:%M:%S")
    expected = {r["sys_id"] for r in ROWS if r["sys_created_on"] >= cut}
    assert selected(f"sys_created_on>=javascript:gs.daysAgoStart({n})") == expected


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"[A-Z]{3,10}", fullmatch=True))
def test_unknown_operators_are_refused(operator):
    known = ("IN", "ON", "LIKE", "BETWEEN", "NOTON", "ANYTHING", "EMPTYSTRING", "ISEMPTY", "ISNOTEMPTY", "STARTSWITH",
             "ENDSWITH", "SAMEAS", "NSAMEAS")
    if operator.startswith(known) and not operator.startswith("INSTANCEOF"):
        return
    with pytest.raises(ApiError):
        parse(f"priority{operator}1")
