"""The connector conformance suite: a test class every connector's tests subclass.

    from hub.testing import ConnectorConformance

    class TestConformance(ConnectorConformance):
        connector_name = "acme"
        tool_examples = {"acme.find_customer": {"email": "ada@example.com"}, ...}
        ...

Each ``test_<check>`` proves one promise of the connector contract against the connector's own
sandbox, through a hub connected by the real OAuth dance. ``skip = {"<check>": "reason"}``
skips a check (or a tool, by its name) and shows the reason; a skip without one is an error.
What every check proves: docs/conformance.md.
"""

import json
import re
import uuid

import pytest
from sqlmodel import select

from hub import connections, db
from hub.connections import ConnectError
from hub.errors import RateLimited, ReconnectNeeded, VendorUnavailable, WebhookRejected
from hub.http import RetryPolicy
from hub.ingest import Event, NormalizedComment, NormalizedTicket
from hub.models import Connection, ConnectionStatus, InboundEvent, TicketPriority, TicketStatus
from hub.receipt import NotReceived, UnreadableDelivery
from hub.tools import ACTION, LOOKUP

from .recording import RecordingConnector

TOOL_PERMISSIONS = {"tool.lookup", "tool.action", "tool.refund"}
# "ticket.created", "order.paid": a noun and what happened to it.
EVENT_KIND = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


@pytest.mark.conformance
class ConnectorConformance:
    """Subclass it, fill in the class attributes, and pytest runs every check."""

    #: Marks subclasses for the pytest plugin (skips are applied at collection).
    _hub_conformance = True

    #: The connector's registered name (required).
    connector_name = None
    #: Arguments that make each declared lookup/action tool succeed against the seed.
    tool_examples = {}
    #: ``(listing tool, arguments, result key holding the list, total the seed holds)``.
    pagination = None
    #: Remote id of a seeded ticket to escalate; None for vendors without tickets.
    ticket_for_escalation = None
    #: Name of a seeded group/queue the escalation assigns the ticket to.
    escalation_group = None
    #: The ``<kind>`` of ``GET /_sandbox/state/<kind>/<id>`` for tickets: ticket, incident, case.
    ticket_kind = "ticket"
    #: What an operator would type for a real (production) instance, e.g. "acme-support".
    production_instance = None
    #: The lookup tool the HTTP-behaviour checks call; None takes the first lookup example.
    probe_tool = None
    #: Keyword arguments for the connector's sandbox factory.
    sandbox_options = {}
    #: Names of the webhook signature headers; None asks the sandbox's ``sign_webhook``.
    signature_headers = None
    #: The hub event kind each sample kind must produce (a vendor without tickets maps its own).
    webhook_event_kinds = {"ticket.created": "ticket.created", "comment.added": "comment.added"}
    #: ``{"check or tool name": "why it does not apply"}``.
    skip = {}

    @classmethod
    def check_names(cls):
        return sorted(name[len("test_"):] for name in dir(cls) if name.startswith("test_"))

    def pytest_generate_tests(self, metafunc):
        if "tool_name" in metafunc.fixturenames:
            skipped_tools = [name for name in self.skip if "." in name] if isinstance(self.skip, dict) else []
            names = list(self.tool_examples) + skipped_tools
            metafunc.parametrize("tool_name", list(dict.fromkeys(names)) or ["<no tool examples>"])

    @pytest.fixture(autouse=True)
    def _skip_needs_reason(self, request):
        if not isinstance(self.skip, dict):
            pytest.fail(f"skip must be a dict of check name -> reason, not {type(self.skip).__name__}")
        key = request.node.callspec.params.get("tool_name") if hasattr(request.node, "callspec") else None
        for name in (request.node.originalname[len("test_"):], key):
            if name in self.skip and not (isinstance(self.skip[name], str) and self.skip[name].strip()):
                pytest.fail(f"skip[{name!r}] must state why the check does not apply")

    # -- fixtures ---------------------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def harness(cls, conformance_harness):
        return conformance_harness

    @pytest.fixture(scope="class")
    @classmethod
    def connection(cls, harness):
        return harness.connect()

    @pytest.fixture
    def recorded(self, harness, connection):
        """A fresh VendorSession whose vendor answers and waits are recorded."""
        session = harness.hub.session(connection)
        session.connector = RecordingConnector(session.connector)
        policy = session.policy
        session.policy = RetryPolicy(policy.max_attempts, policy.backoff_base, policy.max_wait,
                                     sleep=session.connector.sleep)
        yield session
        harness.clear_faults()

    def probe(self, harness):
        """``(tool name, arguments)`` of the lookup the HTTP-behaviour checks call."""
        if self.probe_tool:
            return self.probe_tool, self.tool_examples[self.probe_tool]
        tools = harness.hub.registry.tools
        for name, arguments in self.tool_examples.items():
            if name in tools and tools[name].kind == LOOKUP and name not in self.skip:
                return name, arguments
        pytest.fail("tool_examples holds no lookup tool for the HTTP checks to call: add one or set probe_tool")

    # -- registration and OAuth metadata -------------------------------------------------------

    def test_registration_complete(self, harness):
        connector = harness.connector
        plugin = harness.hub.registry.owner[f"connector:{connector.name}"]
        problems = harness.hub.broken_plugins.get(plugin)
        assert not problems, f"plugin {plugin} registered with problems: {problems}"
        assert connector.title.strip(), "Connector.title is empty"
        assert connector.instance_label.strip(), "Connector.instance_label is empty"
        re.compile(connector.instance_pattern)
        assert connector.scopes, "Connector.scopes declares no scopes"
        for scope, meaning in connector.scopes.items():
            assert isinstance(meaning, str) and meaning.strip(), f"scope {scope!r} does not say what it allows"
        unknown = set(connector.escalate_scopes) - set(connector.scopes)
        assert not unknown, f"escalate_scopes not in Connector.scopes: {sorted(unknown)}"
        assert isinstance(connector.push, bool), "Connector.push must be True or False"

    def test_oauth_metadata_complete(self, harness):
        connector = harness.connector
        sandbox = harness.hub.provider(connector, harness.instance)
        base = harness.server.url
        for field in ("authorize_url", "token_url", "api_base_url"):
            url = getattr(sandbox, field)
            assert url and url.startswith(base), f"sandbox {field} {url!r} is not on the sandbox at {base}"
        assert sandbox.scopes, "the provider asks for no scopes"
        unknown = set(sandbox.scopes) - set(connector.scopes)
        assert not unknown, f"the provider asks for scopes the connector does not describe: {sorted(unknown)}"

        assert self.production_instance, "set production_instance to what an operator types for a real instance"
        instance = connector.validate_instance(self.production_instance, sandbox_mode=False)
        production = harness.hub.provider(connector, instance)
        for field in ("authorize_url", "token_url", "api_base_url", "revoke_url"):
            url = getattr(production, field)
            if url is not None or field != "revoke_url":
                assert url and url.startswith("https://"), f"production {field} {url!r} is not https"
        with pytest.raises(ValueError):
            # Outside sandbox mode a loopback address must never pass as an instance.
            connector.validate_instance(harness.instance, sandbox_mode=False)

    # -- tools --------------------------------------------------------------------------------

    def test_every_tool_declared_properly(self, harness, connection):
        tools = harness.hub.registry.tools_of(self.connector_name)
        granted = set(connection.granted_scopes)
        assert any(t.kind in (LOOKUP, ACTION) for t in tools), "the connector registers no tools"
        for tool in tools:
            assert tool.description.strip(), f"{tool.name}: description is empty"
            missing = set(tool.scopes) - granted
            assert not missing, f"{tool.name}: needs scopes the sandbox connection was not granted: {sorted(missing)}"
            if tool.kind not in (LOOKUP, ACTION):
                continue
            schema = tool.input_schema
            assert schema.get("type") == "object", f"{tool.name}: input_schema must describe an object"
            assert schema.get("additionalProperties") is False, f"{tool.name}: input_schema needs additionalProperties: false"
            assert tool.permission in TOOL_PERMISSIONS, f"{tool.name}: permission {tool.permission!r} is not one of {sorted(TOOL_PERMISSIONS)}"
            if tool.permission == "tool.refund":
                assert tool.sensitive, f"{tool.name}: moves money, so it must be sensitive=True"

    def test_every_tool_has_an_example(self, harness):
        declared = {t.name for t in harness.hub.registry.tools_of(self.connector_name) if t.kind in (LOOKUP, ACTION)}
        missing = declared - set(self.tool_examples) - set(self.skip)
        assert not missing, f"tools without an entry in tool_examples (or a skip with a reason): {sorted(missing)}"
        unknown = set(self.tool_examples) - declared
        assert not unknown, f"tool_examples names tools the connector does not register: {sorted(unknown)}"

    def test_tool_works(self, harness, connection, tool_name):
        if tool_name not in self.tool_examples:
            pytest.fail(f"no example arguments for {tool_name}: add it to tool_examples")
        key = f"conformance-{uuid.uuid4().hex}"
        result = harness.call(tool_name, connection, self.tool_examples[tool_name], idempotency_key=key)
        assert isinstance(result, dict), f"{tool_name} returned {type(result).__name__}, not a dict"
        json.dumps(result)  # results are stored in the audit log and shown to people
        if harness.hub.registry.tools[tool_name].kind == ACTION:
            # A retried flow step repeats the call with the same key: it must find what the first
            # call did (same record ids and values), not act again.
            again = harness.call(tool_name, connection, self.tool_examples[tool_name], idempotency_key=key)
            assert_same_outcome(tool_name, result, again)

    def test_write_whose_answer_is_lost_is_done_once(self, harness, connection, tool_name):
        """The sandbox does the action's first write, then answers 503. The call — or, when it
        gives up, the step tried again with the same key — must end as one write, and a repeat
        must find that outcome: a second comment or record would show as another id."""
        if tool_name not in self.tool_examples:
            pytest.fail(f"no example arguments for {tool_name}: add it to tool_examples")
        if harness.hub.registry.tools[tool_name].kind != ACTION:
            return  # a lookup sends no write
        harness.control("POST", "reset")
        arguments, key = self.tool_examples[tool_name], f"conformance-lost-{uuid.uuid4().hex}"
        harness.faults(lost_answer=1)
        try:
            try:
                result = harness.call(tool_name, connection, arguments, idempotency_key=key)
            except VendorUnavailable:  # gave up; the run would try the step again later
                harness.clear_faults()
                result = harness.call(tool_name, connection, arguments, idempotency_key=key)
            again = harness.call(tool_name, connection, arguments, idempotency_key=key)
        finally:
            harness.clear_faults()
            harness.control("POST", "reset")
        assert_same_outcome(tool_name, result, again)

    def test_pagination_followed_to_the_end(self, harness, connection, recorded):
        assert self.pagination, "set pagination = (listing tool, arguments, result key, seeded total)"
        tool_name, arguments, key, total = self.pagination
        result = harness.call(tool_name, connection, arguments, session=recorded)
        items = result.get(key)
        assert isinstance(items, list), f"{tool_name} result has no list under {key!r}: {sorted(result)}"
        assert len(items) == total, f"{tool_name} returned {len(items)} of the {total} seeded records"
        assert len({json.dumps(item, sort_keys=True, default=str) for item in items}) == total, "a page was repeated"
        assert recorded.connector.responses >= 2, (
            f"{tool_name} read everything in {recorded.connector.responses} request: {arguments} must need several pages"
        )

    # -- HTTP behaviour ---------------------------------------------------------------------------

    def test_rate_limit_honoured(self, harness, connection, recorded):
        tool_name, arguments = self.probe(harness)
        before = harness.faults(rate_limit=1)["injected"]["rate_limit"]
        harness.call(tool_name, connection, arguments, session=recorded)
        after = harness.control("GET", "faults")["injected"]["rate_limit"]
        assert after == before + 1, "the sandbox injected no rate limit: did the call reach the vendor API?"
        errors = recorded.connector.errors
        assert any(isinstance(e, RateLimited) for e in errors), (
            f"the vendor's rate-limit answer was not recognised as RateLimited (check_response raised {errors!r})"
        )
        assert recorded.connector.waits, "the session did not wait before retrying"

    def test_server_error_retried(self, harness, connection, recorded):
        tool_name, arguments = self.probe(harness)
        before = harness.faults(server_error=1)["injected"]["server_error"]
        harness.call(tool_name, connection, arguments, session=recorded)
        after = harness.control("GET", "faults")["injected"]["server_error"]
        assert after == before + 1, "the sandbox injected no 5xx: did the call reach the vendor API?"
        errors = recorded.connector.errors
        assert any(isinstance(e, VendorUnavailable) for e in errors), (
            f"the vendor's 5xx was not recognised as VendorUnavailable (check_response raised {errors!r})"
        )

    def test_expired_token_refreshed_once(self, harness, connection):
        tool_name, arguments = self.probe(harness)
        token, version = harness.token(connection)
        expired = harness.control("POST", "tokens/expire", {"access_token": token["access_token"]})["expired"]
        assert expired == 1, "the sandbox does not know the hub's access token"
        session = harness.hub.session(connection)
        harness.call(tool_name, connection, arguments, session=session)
        harness.call(tool_name, connection, arguments, session=session)
        assert session.refreshes == 1, f"the session refreshed {session.refreshes} times, not once"
        _, after = harness.token(connection)
        assert after == version + 1, f"token_version went from {version} to {after}: the refreshed token must be stored once"

    def test_revoked_token_needs_reconnect(self, harness):
        tool_name, arguments = self.probe(harness)
        connection = harness.connect()  # its own connection: this check breaks it on purpose
        token, _ = harness.token(connection)
        harness.control("POST", "tokens/revoke", {"token": token["access_token"]})
        harness.control("POST", "tokens/expire", {"access_token": token["access_token"]})
        with pytest.raises(ReconnectNeeded):
            harness.call(tool_name, connection, arguments)
        stored = harness.reload(connection)
        assert stored.status == ConnectionStatus.reconnect_needed, f"the connection is {stored.status}, not reconnect_needed"
        assert stored.status_reason, "reconnect_needed without a reason for the operator"

        reconnected = harness.connect(connection_id=connection.id)
        assert reconnected.status == ConnectionStatus.connected, "reconnecting did not restore the connection"
        harness.call(tool_name, reconnected, arguments)

    # -- webhooks ---------------------------------------------------------------------------------

    @pytest.fixture
    def webhooks(self, harness, connection):
        if not harness.connector.push:
            pytest.fail("the connector does not push (push = False): skip the webhook checks with that reason")
        harness.point_webhooks_at(connection)
        return harness

    def rejection(self, harness, connection, body, headers):
        with pytest.raises(WebhookRejected) as caught:
            harness.ingest(connection, body, headers)
        return caught.value

    def signature_header_names(self, harness, body):
        names = self.signature_headers or list(harness.sign(body))
        assert names, "cannot tell which headers carry the signature: set signature_headers"
        return [name.lower() for name in names]

    def test_webhook_accepted_and_normalised(self, webhooks, connection):
        body, headers = webhooks.sample_webhook("ticket.created", self.ticket_for_escalation)
        events = webhooks.ingest(connection, body, headers)
        assert_events(events, self.webhook_event_kinds["ticket.created"])
        if self.ticket_for_escalation is not None:
            assert any(e.ticket and e.ticket.remote_id == str(self.ticket_for_escalation) for e in events), (
                f"no event names ticket {self.ticket_for_escalation}"
            )
        again = webhooks.receive(connection, body, headers)
        assert [e.event_id for e in again.events] == [e.event_id for e in events], (
            "a redelivery must carry the same event ids (they are the de-duplication key)"
        )
        assert again.new_ids == [] and again.duplicates == len(events), (
            f"a redelivery stored {len(again.new_ids)} new event(s): the hub must store each event once"
        )

    def test_webhook_comment_normalised(self, webhooks, connection):
        body, headers = webhooks.sample_webhook("comment.added", self.ticket_for_escalation)
        kind = self.webhook_event_kinds["comment.added"]
        events = webhooks.ingest(connection, body, headers)
        assert_events(events, kind)
        assert any(e.comment is not None for e in events if e.kind == kind), f"the {kind} event carries no NormalizedComment"

    def test_webhook_fire_delivered(self, webhooks, connection):
        seen = len(webhooks.deliveries)
        webhooks.control("POST", "webhooks/fire", {"kind": "ticket.created", "age_seconds": 0})
        assert webhooks.sandbox.webhooks.wait_until_idle(timeout=10), "the sandbox did not finish delivering"
        answered = [d for d in webhooks.deliveries[seen:] if d[0] == connection.id]
        assert answered, "the sandbox delivered nothing to the hub's webhook URL"
        refused = [(status, detail) for _, status, detail in answered if status != 200]
        assert not refused, f"the hub refused the sandbox's own deliveries: {refused}"

    def test_webhook_tampered_rejected(self, webhooks, connection):
        body, headers = webhooks.sample_webhook("ticket.created", self.ticket_for_escalation)
        error = self.rejection(webhooks, connection, tamper(body), headers)
        assert error.status == 401, f"a tampered body was refused with {error.status}, not 401: {error}"

    def test_webhook_unsigned_rejected(self, webhooks, connection):
        body, headers = webhooks.sample_webhook("ticket.created", self.ticket_for_escalation)
        names = self.signature_header_names(webhooks, body)
        unsigned = {k: v for k, v in headers.items() if k.lower() not in names}
        assert len(unsigned) < len(headers), f"the sample carries none of the signature headers {names}"
        error = self.rejection(webhooks, connection, body, unsigned)
        assert error.status == 401, f"an unsigned delivery was refused with {error.status}, not 401: {error}"

    def test_webhook_stale_rejected(self, webhooks, connection):
        age = webhooks.hub.settings.webhooks.max_age_seconds + 600
        body, headers = webhooks.sample_webhook("ticket.created", self.ticket_for_escalation, age_seconds=age)
        error = self.rejection(webhooks, connection, body, headers)
        assert error.status == 401, f"a {age}s old delivery was refused with {error.status}, not 401: {error}"

    def test_webhook_malformed_rejected(self, webhooks, connection):
        body, headers = webhooks.sample_webhook("ticket.created", self.ticket_for_escalation)
        malformed = body[: len(body) // 2]
        signed = webhooks.sign(malformed)  # correctly signed, so only the body is wrong
        headers = {k: v for k, v in headers.items() if k.lower() not in {n.lower() for n in signed}} | signed
        error = self.rejection(webhooks, connection, malformed, headers)
        assert error.status == 400, f"a malformed body was refused with {error.status}, not 400: {error}"
        assert error.reason, "a 400 must say what is wrong with the body"
        assert not isinstance(error, UnreadableDelivery), (
            f"the connector crashed on a malformed body ({type(error.error).__name__}: {error.error}); the hub "
            "answered 400 for it, but ingest_webhook must refuse the body with WebhookRejected(..., 400) itself"
        )

    def test_webhook_oversized_refused(self, webhooks, connection):
        body, headers = webhooks.sample_webhook("ticket.created", self.ticket_for_escalation)
        limit = webhooks.hub.settings.webhooks.max_body_bytes
        oversized = body + b" " * (limit + 1 - len(body))  # refused before it is read: no need to sign it
        stored = _stored_events(webhooks)
        with pytest.raises(NotReceived) as caught:
            webhooks.receive(connection, oversized, headers)
        assert caught.value.status == 413, f"a body over max_body_bytes was answered {caught.value.status}, not 413"
        assert _stored_events(webhooks) == stored, "an oversized delivery stored events"

    def test_webhook_without_secret_refused(self, harness):
        if not harness.connector.push:
            pytest.fail("the connector does not push (push = False): skip the webhook checks with that reason")
        connection = harness.connect()  # its own connection: this check removes its secret
        harness.point_webhooks_at(connection)
        body, headers = harness.sample_webhook("ticket.created", self.ticket_for_escalation)
        with db.session_scope(harness.hub.engine) as session:
            row = session.get(Connection, connection.id)
            row.webhook_secret_ciphertext = None
            session.add(row)
        error = self.rejection(harness, connection, body, headers)
        assert error.status == 401 and "no webhook signing secret" in error.reason, (
            f"a delivery to a connection without a signing secret was answered {error.status}: {error}"
        )

    # -- escalation ---------------------------------------------------------------------------------

    def test_escalate_leaves_internal_note_and_assignment(self, harness, connection):
        assert self.ticket_for_escalation is not None, "set ticket_for_escalation (or skip this check with a reason)"
        assert self.escalation_group, "set escalation_group to a seeded group or queue name"
        note = f"Conformance handoff {uuid.uuid4().hex[:8]}: customer needs a human."
        harness.call(f"{self.connector_name}.escalate", connection, {
            "ticket_id": str(self.ticket_for_escalation), "group": self.escalation_group, "note": note,
        }, idempotency_key=f"conformance-escalate-{uuid.uuid4().hex}")
        state = harness.vendor_state(self.ticket_kind, self.ticket_for_escalation)
        comments = state.get("comments")
        assert isinstance(comments, list), f"the sandbox state has no comments list: {sorted(state)}"
        notes = [c for c in comments if note in str(c.get("body", ""))]
        assert notes, "the escalation note is not on the ticket at the vendor"
        assert all(c.get("public") is False for c in notes), "the escalation note is public: it must be internal"
        group = (state.get("assignment") or {}).get("group")
        if isinstance(group, dict):  # a reference object, e.g. ServiceNow's {"sys_id", "name"}
            group = group.get("name")
        assert group == self.escalation_group, f"the ticket is assigned to {group!r}, not {self.escalation_group!r}"

    # -- connecting -----------------------------------------------------------------------------------

    def test_forged_oauth_state_refused(self, harness):
        pending, query = harness.authorize()
        with pytest.raises(ConnectError):
            connections.finish(harness.hub, "forged-" + query["state"], query.get("code"), query)
        stored = harness.reload(pending)
        assert stored.token_ciphertext is None, "a token was stored for a forged state"
        assert stored.status == ConnectionStatus.pending

    def test_denied_consent_refused(self, harness):
        pending, query = harness.authorize(decision="deny")
        assert query.get("error"), f"a denied consent came back without an error: {query}"
        with pytest.raises(ConnectError):
            connections.finish(harness.hub, query.get("state"), query.get("code"), query)
        assert harness.reload(pending).token_ciphertext is None, "a token was stored after the operator denied access"

    def test_skip_entries_are_known(self):
        known = set(self.check_names()) | set(self.tool_examples) | {n for n in self.skip if "." in n}
        unknown = set(self.skip) - known
        assert not unknown, f"skip names no check: {sorted(unknown)} (checks: {', '.join(self.check_names())})"


def assert_events(events, kind):
    assert isinstance(events, list) and events, f"ingest_webhook returned {events!r}, not a non-empty list of Events"
    for event in events:
        assert isinstance(event, Event), f"{event!r} is not a hub.ingest.Event"
        assert isinstance(event.event_id, str) and event.event_id, "an event has no vendor event id"
        assert EVENT_KIND.match(event.kind or ""), f"event kind {event.kind!r} is not '<noun>.<what happened>'"
        if event.ticket is not None:
            ticket = event.ticket
            assert isinstance(ticket, NormalizedTicket), "Event.ticket is not a NormalizedTicket"
            assert ticket.remote_id, "the ticket has no remote_id"
            assert ticket.status in {s.value for s in TicketStatus}, f"ticket status {ticket.status!r} is not a TicketStatus"
            assert ticket.priority in {p.value for p in TicketPriority}, f"ticket priority {ticket.priority!r} is not a TicketPriority"
        if event.comment is not None:
            assert isinstance(event.comment, NormalizedComment), "Event.comment is not a NormalizedComment"
        json.dumps(event.to_dict(), default=str)
    assert any(e.kind == kind for e in events), f"no {kind} event among {[e.kind for e in events]}"


def tamper(body):
    """``body`` changed but still well-formed, so only the signature can catch it."""
    try:
        document = json.loads(body)
    except ValueError:
        return body + b" "
    if isinstance(document, dict):
        document["tampered"] = True
    elif isinstance(document, list):
        document.append({"tampered": True})
    else:
        return body + b" "
    return json.dumps(document).encode()


def assert_same_outcome(tool_name, first, again):
    """A repeat under the same key answers what the first call did. Flags such as
    "changed": false may say it was a repeat; fields only one answer has are not compared."""
    assert isinstance(first, dict), f"{tool_name} returned {type(first).__name__}, not a dict"
    assert isinstance(again, dict), f"{tool_name} repeated returned {type(again).__name__}, not a dict"
    shared = [k for k in first.keys() & again.keys() if not isinstance(first[k], bool)]
    assert shared, f"{tool_name}: the repeated call's result {again} shares no field with the first {first}"
    differ = {k: (first[k], again[k]) for k in shared if first[k] != again[k]}
    assert not differ, f"{tool_name} acted again for the same idempotency key: (first, repeat) {differ}"


def _stored_events(harness):
    with db.session_scope(harness.hub.engine) as session:
        return len(session.exec(select(InboundEvent.id)).all())
