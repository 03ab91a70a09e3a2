"""Zendesk search in the sandbox answers what Zendesk would, or refuses (422 ``invalid``):
never a 200 with the wrong records. Driven through zenpy where zenpy builds the query, and
property-tested on the query engine itself."""

import datetime

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket
from zenpy.lib.exception import APIException

from hub_zendesk.sandbox import create_sandbox
from hub_zendesk.sandbox.records import STATUSES
from hub_zendesk.sandbox.responses import ApiError
from hub_zendesk.sandbox.search import search_records


@pytest.fixture
def zenpy(fresh, connection, monkeypatch):
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", f"127.0.0.1:{fresh.server.port}")
    token, _ = fresh.token(connection)
    return Zenpy(subdomain="brightline", oauth_token=token["access_token"], session=requests.Session())


def ids(results):
    return sorted(r.id for r in results)


def test_repeated_values_of_one_property_are_ored(zenpy):
    open_ = ids(zenpy.search(type="ticket", status="open"))
    pending = ids(zenpy.search(type="ticket", status="pending"))
    both = ids(zenpy.search(type="ticket", status=["open", "pending"]))  # zenpy: status:"open" status:"pending"
    assert open_ and pending and both == sorted(open_ + pending)


def test_tags_list_is_any_of_the_tags(zenpy, fresh):
    tagged = {t: ids(zenpy.search(type="ticket", tags=t)) for t in ("refund", "password")}
    assert ids(zenpy.search(type="ticket", tags=["refund", "password"])) == sorted(set(tagged["refund"] + tagged["password"]))


def test_created_between_is_a_date_range(zenpy):
    start = datetime.datetime(2026, 11, 19, 0, 0)
    end = datetime.datetime(2026, 11, 21, 0, 0)
    found = list(zenpy.search(type="ticket", created_between=[start, end]))
    assert found
    assert all("2026-11-19" <= t.created_at[:10] <= "2026-11-20" for t in found)
    everything = list(zenpy.search(type="ticket", status_less_than="closed")) + list(zenpy.search(type="ticket", status="closed"))
    outside = [t for t in everything if not ("2026-11-19" <= t.created_at[:10] <= "2026-11-20")]
    assert {t.id for t in found}.isdisjoint(t.id for t in outside)


def test_relative_date_finds_a_ticket_created_in_the_test(zenpy):
    audit = zenpy.tickets.create(Ticket(subject="Fresh ticket for a relative date search",
                                        comment=Comment(body="Created just now.")))
    assert ids(zenpy.search("created>1hours", type="ticket")) == [audit.ticket.id]
    assert audit.ticket.id not in ids(zenpy.search("created<1hours", type="ticket"))


def test_sort_by_and_sort_order(zenpy):
    ascending = [t.created_at for t in zenpy.search(type="ticket", status="open", sort_by="created_at", sort_order="asc")]
    descending = [t.created_at for t in zenpy.search(type="ticket", status="open", sort_by="created_at", sort_order="desc")]
    assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)
    inline = [t.created_at for t in zenpy.search("order_by:created sort:asc", type="ticket", status="open")]
    assert inline == ascending


def test_negation_excludes(zenpy):
    not_closed = ids(zenpy.search(type="ticket", minus="status:closed"))
    closed = ids(zenpy.search(type="ticket", status="closed"))
    assert closed and not set(closed) & set(not_closed)


@pytest.mark.parametrize("query", ["type:ticket satisfaction:good", "type:ticket tags>refund",
                                   "type:organization name:acme", "type:ticket created>sometime",
                                   'type:ticket "unbalanced'])
def test_what_the_sandbox_cannot_answer_is_refused(api, fresh, query):
    answer = api("GET", "/api/v2/search.json", params={"query": query})
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "invalid" and body["description"].startswith("Invalid search: ")


def test_unknown_sort_is_refused_through_zenpy(zenpy):
    with pytest.raises(APIException, match="cannot sort by"):
        list(zenpy.search(type="ticket", sort_by="satisfaction"))


# -- properties of the query engine, on the seed ---------------------------------------------

DATA = create_sandbox().data
ALL_TICKETS = {row["id"] for kind, row in search_records(DATA, "type:ticket")}
DAYS = st.dates(min_value=datetime.date(2026, 11, 10), max_value=datetime.date(2026, 12, 5)).map(str)


def tickets(query, **kwargs):
    return [row["id"] for kind, row in search_records(DATA, f"type:ticket {query}", **kwargs)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=4))
def test_or_of_statuses_is_the_union(statuses):
    union = set().union(*(tickets(f"status:{s}") for s in statuses))
    assert set(tickets(" ".join(f"status:{s}" for s in statuses))) == union


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(STATUSES))
def test_negation_is_the_complement(status):
    assert set(tickets(f"-status:{status}")) == ALL_TICKETS - set(tickets(f"status:{status}"))


@settings(max_examples=60, deadline=None)
@given(DAYS, st.sampled_from(["created", "updated"]))
def test_date_comparisons_split_the_tickets(day, field):
    before, on, after = (set(tickets(f"{field}{op}{day}")) for op in ("<", ":", ">"))
    assert before | on | after == ALL_TICKETS
    assert not (before & on or on & after or before & after)
    assert set(tickets(f"{field}<={day}")) == before | on and set(tickets(f"{field}>={day}")) == on | after


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["created_at", "updated_at", "priority", "status"]))
def test_sorting_returns_the_same_records_in_order(field):
    ascending = tickets("", sort_by=field, sort_order="asc")
    assert sorted(ascending) == sorted(ALL_TICKETS)
    assert set(tickets("", sort_by=field, sort_order="desc")) == ALL_TICKETS


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"[a-z]{2,9}", fullmatch=True))
def test_unknown_properties_are_refused_not_answered_empty(key):
    known = {"status", "priority", "ticket_type", "requester", "assignee", "submitter", "group", "tags", "tag",
             "subject", "description", "comment", "via", "created", "updated", "type", "order_by", "sort"}
    if key in known or key in ("http", "https"):
        return
    with pytest.raises(ApiError) as refused:
        tickets(f"{key}:x")
    assert refused.value.status == 422
