"""The conformance suite must fail connectors that break the contract, and only the checks
they break. A rendered template connector ("conftoy", imported from its source folder and
registered with the plugin manager) is broken one way per test class, in a child pytest run.
"""

import xml.etree.ElementTree as ET

import pytest

CONFTEST = '''
import sys
sys.path.insert(0, {source!r})

import hub_conftoy.plugin
from hub.plugins import pm

pm.register(hub_conftoy.plugin, name="conftoy")
'''

SUITE = '''
import dataclasses

import pytest

from hub.errors import ConnectorError, WebhookRejected
from hub.testing import ConnectorConformance

import hub_conftoy.connector as connector_module
import hub_conftoy.ingest as ingest
import hub_conftoy.tools as tools


class Conftoy(ConnectorConformance):
    connector_name = "conftoy"
    production_instance = "conftoy-support"
    tool_examples = {
        "conftoy.find_customer": {"email": "ada@example.com"},
        "conftoy.list_tickets": {"page_size": 50},
        "conftoy.reply": {"ticket_id": "1001", "body": "On it."},
    }
    pagination = ("conftoy.list_tickets", {"page_size": 2}, "tickets", 7)
    ticket_for_escalation = "1002"
    escalation_group = "Tier 2"


class TestIntact(Conftoy):
    pass


class TestSignaturesIgnored(Conftoy):
    @pytest.fixture(autouse=True)
    def broken(self, monkeypatch):
        monkeypatch.setattr(ingest, "verify", lambda request, secret, max_age_seconds: None)


class TestMalformedBodyCrashes(Conftoy):
    @pytest.fixture(autouse=True)
    def broken(self, monkeypatch):
        def events(request, secret, max_age_seconds):
            ingest.verify(request, secret, max_age_seconds)
            import json
            return [ingest.event(json.loads(request.body))]
        monkeypatch.setattr(ingest, "events", events)


class TestPublicEscalationNote(Conftoy):
    @pytest.fixture(autouse=True)
    def broken(self, monkeypatch):
        post = tools.post_comment
        monkeypatch.setattr(tools, "post_comment", lambda session, ticket_id, body, public, key=None:
                            post(session, ticket_id, body, True, key))


class TestRepliesTwice(Conftoy):
    @pytest.fixture(autouse=True)
    def broken(self, monkeypatch):
        post = tools.post_comment
        monkeypatch.setattr(tools, "post_comment", lambda session, ticket_id, body, public, key=None:
                            post(session, ticket_id, body, public, None))


class TestFirstPageOnly(Conftoy):
    @pytest.fixture(autouse=True)
    def broken(self, harness, monkeypatch):
        def first_page(call):
            page = call.session.get("tickets", params={"limit": call.arguments.get("page_size", 50)}).json()
            return {"tickets": [tools.ticket_summary(t) for t in page["tickets"]]}
        tool = harness.hub.registry.tools["conftoy.list_tickets"]
        monkeypatch.setitem(harness.hub.registry.tools, tool.name, dataclasses.replace(tool, fn=first_page))


class TestRateLimitMisread(Conftoy):
    @pytest.fixture(autouse=True)
    def broken(self, monkeypatch):
        check = connector_module.ConftoyConnector.check_response
        def misread(self, response):
            if response.status_code == 429:
                raise ConnectorError(self.name, "too many requests", 429)
            return check(self, response)
        monkeypatch.setattr(connector_module.ConftoyConnector, "check_response", misread)


class TestInsecureProduction(Conftoy):
    @pytest.fixture(autouse=True)
    def broken(self, monkeypatch):
        provider = connector_module.ConftoyConnector.provider
        def plain_http(self, instance):
            found = provider(self, instance)
            return dataclasses.replace(found, token_url=found.token_url.replace("https://", "http://"))
        monkeypatch.setattr(connector_module.ConftoyConnector, "provider", plain_http)


class TestOverTLS(Conftoy):
    """The same connector with its sandbox on HTTPS (as Salesforce's must be)."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def https(cls):
        import hub_conftoy.sandbox as sandbox_module

        provider = connector_module.ConftoyConnector.provider

        def https_provider(self, instance):
            found = provider(self, instance)
            if not self.is_sandbox(instance):
                return found
            urls = ("authorize_url", "token_url", "revoke_url", "api_base_url")
            return dataclasses.replace(found, **{u: getattr(found, u).replace("http://", "https://") for u in urls})

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sandbox_module, "SPEC", dataclasses.replace(sandbox_module.SPEC, tls=True))
            patch.setattr(connector_module.ConftoyConnector, "provider", https_provider)
            yield

    def test_sandbox_is_served_over_https(self, harness):
        assert harness.server.url.startswith("https://")


class TestReasonedSkips(Conftoy):
    skip = {"webhook_stale_rejected": "conftoy signs no timestamp", "conftoy.reply": "writes tested elsewhere"}


class TestSkipWithoutReason(Conftoy):
    skip = {"webhook_stale_rejected": "  "}


class TestSkipTypo(Conftoy):
    skip = {"webhook_stale_rejectd": "typo"}


class TestToolWithoutExample(Conftoy):
    tool_examples = {k: v for k, v in Conftoy.tool_examples.items() if k != "conftoy.reply"}
'''

# class -> {check: expected outcome}; "*" is every check of the class that was run.
EXPECTED = {
    "TestIntact": {"*": "passed"},
    "TestOverTLS": {"*": "passed"},
    "TestSignaturesIgnored": {
        "test_webhook_accepted_and_normalised": "passed",
        "test_webhook_tampered_rejected": "failed",
        "test_webhook_unsigned_rejected": "failed",
        "test_webhook_stale_rejected": "failed",
    },
    "TestMalformedBodyCrashes": {"test_webhook_malformed_rejected": "failed", "test_webhook_tampered_rejected": "passed"},
    "TestPublicEscalationNote": {"test_escalate_leaves_internal_note_and_assignment": "failed"},
    "TestRepliesTwice": {"test_tool_works[conftoy.reply]": "failed", "test_tool_works[conftoy.find_customer]": "passed"},
    "TestFirstPageOnly": {"test_pagination_followed_to_the_end": "failed", "test_rate_limit_honoured": "passed"},
    "TestRateLimitMisread": {"test_rate_limit_honoured": "failed", "test_server_error_retried": "passed"},
    "TestInsecureProduction": {"test_oauth_metadata_complete": "failed", "test_registration_complete": "passed"},
    "TestReasonedSkips": {
        "test_webhook_stale_rejected": "skipped",
        "test_tool_works[conftoy.reply]": "skipped",
        "test_tool_works[conftoy.find_customer]": "passed",
        "test_skip_entries_are_known": "passed",
    },
    "TestSkipWithoutReason": {"test_webhook_stale_rejected": "failed"},
    "TestSkipTypo": {"test_skip_entries_are_known": "failed", "test_webhook_stale_rejected": "passed"},
    "TestToolWithoutExample": {"test_every_tool_has_an_example": "failed"},
}


@pytest.fixture(scope="module")
def outcomes(render, run_pytest, tmp_path_factory):
    source = render("conftoy")
    run = tmp_path_factory.mktemp("suite-run")
    (run / "conftest.py").write_text(CONFTEST.format(source=str(source)))
    (run / "test_broken.py").write_text(SUITE)
    node_ids = [
        f"test_broken.py::{cls}" + ("" if check == "*" else f"::{check}")
        for cls, checks in EXPECTED.items() for check in checks
    ]
    report = run / "report.xml"
    result = run_pytest(["-q", f"--junitxml={report}", *node_ids], cwd=run)
    assert report.exists(), result.stdout + result.stderr
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
                found[(case.get("classname").rsplit(".", 1)[-1], case.get("name"), "reason")] = child.get("message")
        found[(case.get("classname").rsplit(".", 1)[-1], case.get("name"))] = outcome
    return found, result.stdout


@pytest.mark.parametrize("cls", sorted(EXPECTED))
def test_suite_outcome(outcomes, cls):
    found, output = outcomes
    ran = {name: outcome for (owner, name, *extra), outcome in found.items() if owner == cls and not extra}
    assert ran, f"{cls} did not run:\n{output[-3000:]}"
    for check, expected in EXPECTED[cls].items():
        if check == "*":
            failed = {name: outcome for name, outcome in ran.items() if outcome != expected}
            assert not failed, f"{cls}: {failed}\n{output[-3000:]}"
            assert len(ran) >= 20
        else:
            assert ran.get(check) == expected, f"{cls}::{check} {ran.get(check)}, expected {expected}\n{output[-3000:]}"


def test_skip_reasons_are_shown(outcomes):
    found, _ = outcomes
    assert "conftoy signs no timestamp" in found[("TestReasonedSkips", "test_webhook_stale_rejected", "reason")]
    assert "writes tested elsewhere" in found[("TestReasonedSkips", "test_tool_works[conftoy.reply]", "reason")]
