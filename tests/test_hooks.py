"""One test per hook (tests/test_docs.py checks that every hook has one)."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from hub.db import session_scope
from hub.errors import ToolRefused, WebhookRejected
from hub.ingest import InboundRequest
from hub.models import AuditEntry, Ticket
from hub.plugins import pm
from hub.registry import Registry
from hub.tools import CallContext, Tool
from toy import ToyConnector, sign


def audit_kinds(hub):
    with session_scope(hub.engine) as session:
        return [(e.kind, e.data) for e in session.exec(select(AuditEntry).order_by(AuditEntry.seq))]


class Extra:
    """A second plugin registering things the core must refuse, pinned on this plugin."""

    def __init__(self, **hooks):
        for name, fn in hooks.items():
            setattr(self, name, fn)


def collect_with(plugin_hooks):
    from hub import hookimpl

    plugin = Extra(**{name: hookimpl(fn) for name, fn in plugin_hooks.items()})
    pm.register(plugin, name="extra")
    try:
        return Registry.collect(pm)
    finally:
        pm.unregister(plugin)


def test_hook_register_connectors(toy):
    assert toy.registry.connectors["toy"].title == "Toy Helpdesk"
    assert toy.registry.owner["connector:toy"] == "toy"
    registry = collect_with({"register_connectors": lambda register: register(ToyConnector())})
    assert registry.problems["extra"] == ["connector:toy is already registered by toy"]

    class Bad(ToyConnector):
        name = "Bad Name"

    registry = collect_with({"register_connectors": lambda register: register(Bad())})
    assert "must match" in registry.problems["extra"][0]


def test_hook_register_tools(toy):
    assert {"toy.get_thing", "toy.make_thing", "toy.escalate"} <= set(toy.registry.tools)
    assert toy.registry.tools["toy.escalate"].scopes == ("write",)

    def bad(register):
        register(Tool("toy.delete", "toy", "action", "Delete.", scopes=("admin",), fn=print))
        register(Tool("toy.peek", "toy", "lookup", "Peek.", scopes=(), fn=print))
        register(Tool("other.x", "toy", "lookup", "Misnamed.", scopes=("read",), fn=print))
        raise RuntimeError("boom")

    registry = collect_with({"register_tools": bad})
    assert registry.problems["extra"] == [
        "tool toy.delete: scope(s) admin not offered by toy",
        "tool toy.peek: declares no vendor scopes",
        "tool 'other.x' must be named 'toy.<verb>'",
        "register_tools raised RuntimeError: boom",
    ]
    assert "toy.delete" not in registry.tools and "toy.get_thing" in registry.tools


def test_hook_register_flows(toy, tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("name: x\n")
    registry = collect_with({"register_flows": lambda register: (register(flow), register(tmp_path / "missing.yaml"))})
    assert registry.flow_files == [flow]
    assert registry.problems["extra"] == [f"register_flows: {tmp_path / 'missing.yaml'} is not a file"]


def _ingest(hub, body, headers):
    connector = hub.connector("toy")
    return hub.hook("toy", "ingest_webhook")(connector=connector, connection=hub.toy_connection,
                                             request=InboundRequest(body=body, headers=headers),
                                             secret="s3cret", max_age_seconds=300)


def test_hook_ingest_webhook(toy):
    now = datetime.now(timezone.utc)
    body = json.dumps({"id": "evt-1", "ticket": 7, "subject": "Where is my order?"}).encode()
    events = _ingest(toy, body, sign("s3cret", body, now.isoformat()))
    assert [(e.event_id, e.kind, e.ticket.remote_id) for e in events] == [("evt-1", "ticket.created", "7")]

    with pytest.raises(WebhookRejected, match="does not match") as forged:
        _ingest(toy, body.replace(b"7", b"8"), sign("s3cret", body, now.isoformat()))
    assert forged.value.status == 401
    with pytest.raises(WebhookRejected, match="missing X-Toy-Signature"):
        _ingest(toy, body, {})
    stale = (now - timedelta(hours=1)).isoformat()
    with pytest.raises(WebhookRejected, match="replay refused"):
        _ingest(toy, body, sign("s3cret", body, stale))
    with pytest.raises(WebhookRejected, match="not JSON") as malformed:
        _ingest(toy, b"{nope", sign("s3cret", b"{nope", now.isoformat()))
    assert malformed.value.status == 400


def test_hook_ingest_poll(toy):
    session = toy.session(toy.toy_connection)
    events = toy.hook("toy", "ingest_poll")(connector=toy.connector("toy"), connection=toy.toy_connection,
                                            session=session, since=None)
    assert [e.event_id for e in events] == ["poll-1"]


def test_hook_auth_provider(toy):
    provider = toy.provider(toy.connector("toy"), toy.toy_connection.instance)
    assert provider.token_url == f"http://{toy.toy_connection.instance}/oauth/token"
    assert provider.pkce is True


def test_hook_auth_verify_requester(toy):
    ticket = Ticket(connection_id=toy.toy_connection.id, remote_id="7", requester_email="ada@example.com")
    identity = toy.hook("toy", "auth_verify_requester")(connector=toy.connector("toy"),
                                                        connection=toy.toy_connection, session=None, ticket=ticket)
    assert identity.email == "ada@example.com" and identity.verified


def test_hook_lookup(toy):
    context = CallContext(run_id="run-1", node="look", allowed_tools=frozenset({"toy.get_thing"}))
    assert toy.call("toy.get_thing", toy.toy_connection, {"id": "1"}, context) == {"id": "1", "name": "one"}
    kind, data = audit_kinds(toy)[-1]
    assert kind == "tool.done" and data["tool"] == "toy.get_thing" and data["node"] == "look"


@pytest.mark.parametrize("tool, arguments, context, reason", [
    ("toy.list_things", {}, CallContext(node="look", allowed_tools=frozenset({"toy.get_thing"})),
     "flow node 'look' may not call toy.list_things"),
    ("toy.get_thing", {"id": 1}, CallContext(), "toy.get_thing: id: 1 is not of type 'string'"),
    ("toy.get_thing", {"id": "1", "extra": "x"}, CallContext(), "Additional properties are not allowed"),
    ("toy.get_thing", {"id": "1"}, CallContext(role="analyst"), "role 'analyst' lacks permission tool.lookup"),
    ("toy.get_thing", {"id": "1"}, CallContext(role="nobody"), "role 'nobody' lacks permission tool.lookup"),
])
def test_guard_refuses_and_audits(toy, tool, arguments, context, reason):
    with pytest.raises(ToolRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        toy.call(tool, toy.toy_connection, arguments, context)
    kind, data = audit_kinds(toy)[-1]
    assert kind == "tool.refused" and reason in data["reason"]


def test_guard_refuses_missing_scope(toy):
    toy.toy_connection.granted_scopes = ["read"]
    with pytest.raises(ToolRefused, match="was not granted scope\\(s\\) write"):
        toy.call("toy.make_thing", toy.toy_connection, {"name": "two"})


def test_hook_action(toy):
    toy.toy_vendor.faults = [429, 503]  # both retried by the shared policy
    first = toy.call("toy.make_thing", toy.toy_connection, {"name": "two"}, idempotency_key="run-1:make")
    again = toy.call("toy.make_thing", toy.toy_connection, {"name": "two"}, idempotency_key="run-1:make")
    assert first == again and len(toy.toy_vendor.things) == 2
    assert [k for k, _ in audit_kinds(toy)] == ["tool.done", "tool.done"]


def test_hook_escalate(toy):
    result = toy.call("toy.escalate", toy.toy_connection, {"ticket_id": "7", "group": "Tier 2", "note": "why"})
    assert result == {"assigned_to": "Tier 2"}
    assert toy.toy_vendor.assigned == {"7": "Tier 2"}
    [note] = toy.toy_vendor.notes
    assert (note["ticket"], note["body"], note["public"]) == ("7", "why", False)
    assert note["key"].startswith("call-")  # a write always carries a key, even from a script


def test_a_call_reaches_only_the_plugin_that_owns_the_connector(toy):
    # Another plugin answering every lookup, as the connectors once had to guard against: the
    # hub's call about a toy tool never reaches it, and the guard still wraps the toy's answer.
    from hub import hookimpl

    seen = []
    plugin = Extra(lookup=hookimpl(lambda call: seen.append(call.tool.name) or {"from": "extra"}))
    pm.register(plugin, name="extra")
    try:
        # Registered last, it would be the first plain implementation a broadcast call runs.
        plain = [impl.plugin_name for impl in pm.hook.lookup.get_hookimpls() if not impl.hookwrapper and not impl.wrapper]
        assert plain[-1] == "extra"
        context = CallContext(run_id="run-1", node="look", allowed_tools=frozenset({"toy.get_thing"}))
        assert toy.call("toy.get_thing", toy.toy_connection, {"id": "1"}, context) == {"id": "1", "name": "one"}
    finally:
        pm.unregister(plugin)
    assert seen == []
    assert audit_kinds(toy)[-1][0] == "tool.done"


def test_no_escalate_tool_for_a_connector_whose_plugin_cannot_escalate(toy):
    class Store(ToyConnector):
        name, title, escalate_scopes = "store", "A Store", ()

    registry = collect_with({"register_connectors": lambda register: register(Store())})
    assert "store" in registry.connectors and "store.escalate" not in registry.tools
    assert "toy.escalate" in registry.tools  # the toy plugin implements escalate
