"""SOQL in the sandbox answers what an org would, or refuses with Salesforce's error — never a
200 with the wrong records. Through simple-salesforce over HTTPS, and property-tested on the
query engine."""

from datetime import datetime, timedelta, timezone

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from hub_salesforce.sandbox import create_sandbox, date_literals, soql
from hub_salesforce.sandbox.records import Org


@pytest.fixture
def sf(harness, connection):
    token, _ = harness.token(connection)
    session = requests.Session()
    session.verify = harness.http.verify
    return Salesforce(instance_url=harness.server.url, session_id=token["access_token"], session=session,
                      version="67.0")


def test_count_answers_total_size_without_records(sf):
    everything = sf.query("SELECT COUNT() FROM Case")
    assert (everything["totalSize"], everything["done"], everything["records"]) == (12, True, [])
    new = sf.query("SELECT COUNT() FROM Case WHERE Status = 'New'")["totalSize"]
    assert new == len(sf.query_all("SELECT Id FROM Case WHERE Status = 'New'")["records"])


def test_count_of_a_field_is_an_aggregate_result(sf):
    answer = sf.query("SELECT COUNT(Id), COUNT(ContactId) withContact FROM Case")
    assert answer["totalSize"] == 1
    row = answer["records"][0]
    assert row["attributes"]["type"] == "AggregateResult"
    with_contact = sf.query("SELECT COUNT() FROM Case WHERE ContactId != null")["totalSize"]
    assert (row["expr0"], row["withContact"]) == (12, with_contact)


def test_today_finds_the_case_created_in_this_test(sf):
    created = sf.Case.create({"Subject": "Created for a date literal", "Origin": "Web"},
                             headers={"Sforce-Auto-Assign": "FALSE"})["id"]
    today = [r["Id"] for r in sf.query("SELECT Id FROM Case WHERE CreatedDate = TODAY")["records"]]
    assert today == [created]
    assert created in [r["Id"] for r in sf.query("SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS:1")["records"]]
    assert created not in [r["Id"] for r in sf.query("SELECT Id FROM Case WHERE CreatedDate < TODAY")["records"]]


def test_not_equal_includes_nulls(sf):
    total = sf.query("SELECT COUNT() FROM Case")["totalSize"]
    high = sf.query("SELECT COUNT() FROM Case WHERE Priority = 'High'")["totalSize"]
    assert sf.query("SELECT COUNT() FROM Case WHERE Priority != 'High'")["totalSize"] == total - high
    no_contact = sf.query("SELECT COUNT() FROM Case WHERE ContactId = null")["totalSize"]
    some_contact = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    others = sf.query(f"SELECT COUNT() FROM Case WHERE ContactId != '{some_contact}'")["totalSize"]
    mine = sf.query(f"SELECT COUNT() FROM Case WHERE ContactId = '{some_contact}'")["totalSize"]
    assert no_contact >= 1 and others == total - mine


def test_limit_offset_and_order_by(sf):
    ordered = [r["CaseNumber"] for r in sf.query("SELECT CaseNumber FROM Case ORDER BY CaseNumber DESC")["records"]]
    page = [r["CaseNumber"] for r in sf.query("SELECT CaseNumber FROM Case ORDER BY CaseNumber DESC LIMIT 3 OFFSET 2")["records"]]
    assert ordered == sorted(ordered, reverse=True) and page == ordered[2:5]


@pytest.mark.parametrize("query,code", [
    ("SELECT Id, (SELECT Id FROM CaseComments) FROM Case", "MALFORMED_QUERY"),
    ("SELECT Status, COUNT(Id) FROM Case GROUP BY Status", "MALFORMED_QUERY"),
    ("SELECT MAX(CreatedDate) FROM Case", "MALFORMED_QUERY"),
    ("SELECT Id FROM Case WHERE CreatedDate = THIS_FISCAL_YEAR", "MALFORMED_QUERY"),
    ("SELECT Id FROM Case WHERE CreatedDate = SOMEDAY", "MALFORMED_QUERY"),
    ("SELECT Id FROM Case WHERE Id IN (SELECT ParentId FROM CaseComment)", "MALFORMED_QUERY"),
    ("SELECT Id FROM Case OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
    ("SELECT Id, COUNT() FROM Case", "MALFORMED_QUERY"),
    ("SELECT Id FROM Case WHERE Subject INCLUDES ('a')", "MALFORMED_QUERY"),
])
def test_what_the_sandbox_does_not_implement_is_refused(sf, query, code):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query(query)
    assert refused.value.status == 400 and refused.value.content[0]["errorCode"] == code


# -- properties of the engine, on the seed ---------------------------------------------------

ORG = Org(create_sandbox())
LITERALS = ["YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH", "THIS_MONTH",
            "NEXT_MONTH", "THIS_QUARTER", "LAST_QUARTER", "THIS_YEAR", "LAST_YEAR", "LAST_90_DAYS", "NEXT_90_DAYS"]
N_LITERALS = ["LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "N_WEEKS_AGO", "LAST_N_MONTHS",
              "N_MONTHS_AGO", "LAST_N_QUARTERS", "LAST_N_YEARS"]
LITERAL = st.one_of(st.sampled_from(LITERALS),
                    st.tuples(st.sampled_from(N_LITERALS), st.integers(0, 400)).map(lambda p: f"{p[0]}:{p[1]}"))


def run(text):
    return soql.Executor(ORG, "67.0").run(soql.parse(text))


def case_ids(where=""):
    return {r["Id"] for r in run(f"SELECT Id FROM Case {where}")}


@settings(max_examples=80, deadline=None)
@given(LITERAL)
def test_a_date_literal_splits_the_cases_before_within_after(literal):
    before, within, after = (case_ids(f"WHERE CreatedDate {op} {literal}") for op in ("<", "=", ">"))
    assert before | within | after == case_ids()
    assert not (before & within or within & after or before & after)
    assert case_ids(f"WHERE CreatedDate <= {literal}") == before | within
    assert case_ids(f"WHERE CreatedDate != {literal}") == before | after


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60))
def test_last_n_days_is_from_n_days_before_today(n):
    start = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=n)
    expected = {r["Id"] for r in ORG.records("Case") if soql.parse_datetime(r["CreatedDate"]) >= start}
    assert case_ids(f"WHERE CreatedDate = LAST_N_DAYS:{n}") == expected


def test_every_known_literal_is_a_span_of_time():
    for literal in LITERALS + [f"{name}:3" for name in N_LITERALS]:
        span = date_literals.span(literal)
        assert span is not None and span.start < span.end, literal


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["Status = 'New'", "Priority != 'High'", "ContactId = null", "IsClosed = false", ""]))
def test_count_is_the_number_of_matching_records(condition):
    where = f"WHERE {condition}" if condition else ""
    assert len(run(f"SELECT COUNT() FROM Case {where}")) == len(case_ids(where))
    assert run(f"SELECT COUNT(Id) FROM Case {where}")[0]["expr0"] == len(case_ids(where))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 15), st.integers(0, 15), st.sampled_from(["CaseNumber", "Subject", "CreatedDate"]),
       st.sampled_from(["ASC", "DESC"]))
def test_limit_and_offset_slice_the_ordered_result(limit, offset, field, direction):
    ordered = [r["Id"] for r in run(f"SELECT Id FROM Case ORDER BY {field} {direction}, Id")]
    page = [r["Id"] for r in run(f"SELECT Id FROM Case ORDER BY {field} {direction}, Id LIMIT {limit} OFFSET {offset}")]
    assert page == ordered[offset:offset + limit]
