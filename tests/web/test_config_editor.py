"""Editing the policy and the flows from the web app: checked as at load time before anything is
written, written atomically, audited with a diff, and taken up by the running hub.

Every test edits the per-test copy of config/ (the config_dir fixture), never the repository's.
"""

import hashlib
import re
from pathlib import Path

import pytest

from web_helpers import csrf_of

GENTLER = "We have refunded the amount for order {{ order.name }}; it shows on your statement within a week."


@pytest.fixture
def admin(client_as):
    return client_as("admin")


@pytest.fixture
def config(web_hub):
    repository_config = Path(__file__).resolve().parents[2] / "config"
    assert web_hub.config_path.resolve() != repository_config.resolve()  # the test's copy, never the repo's
    return web_hub.config_path


def edits(hub):
    from hub import audit

    return [row for row in audit.export(hub.engine) if row["kind"] == "config.edited"]


def form_of(client, path):
    """The page's CSRF token, the sha256 its form carries and the text of its textarea."""
    import html as markup

    page = client.get(path).get_data(as_text=True)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    text = markup.unescape(re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S).group(1))
    return csrf_of(page), sha, text


def save(client, path, change):
    """Open the editor at ``path``, apply ``change`` to its text and save, as a browser would
    (CRLF line ends, as browsers send a textarea)."""
    token, sha, text = form_of(client, path)
    new = change(text)
    return client.post(path, data={"csrf_token": token, "sha256": sha, "text": new.replace("\n", "\r\n")})


# -- the policy ------------------------------------------------------------------------------------


def test_policy_page_shows_the_file_and_the_rollout_per_intent(admin, config):
    html = admin.get("/config/policy").get_data(as_text=True)
    assert "refund_auto_max: 50" in html
    row = re.search(r'<tr id="intent-payment_problem">(.*?)</tr>', html, re.S).group(1)
    assert 'class="mode mode-shadow"' in row and "handoff" in row
    row = re.search(r'<tr id="intent-refund_request">(.*?)</tr>', html, re.S).group(1)
    assert "mode-autonomous" in row and "(default)" in row and ">refund (customers)<" in row and "0.7" in row


def test_valid_policy_edit_is_saved_audited_and_taken_up(admin, web_hub, config, monkeypatch):
    from hub.agent import agent as agent_module
    from hub.runtime import Hub

    before = (config / "policy.yaml").read_text()
    worker = Hub.load(config, env={})  # another process's hub, started before the edit
    assert worker.agent.policy.limits.refund_auto_max == 50
    assert web_hub.agent.policy.limits.refund_auto_max == 50

    response = save(admin, "/config/policy", lambda text: text.replace("refund_auto_max: 50", "refund_auto_max: 75"))
    assert response.status_code == 302, response.get_data(as_text=True)
    after = (config / "policy.yaml").read_text()
    assert after == before.replace("refund_auto_max: 50", "refund_auto_max: 75")  # LF kept, comments kept
    assert "\r" not in after

    [entry] = edits(web_hub)
    assert entry["actor"] == "admin@example.com" and entry["data"]["file"] == "policy.yaml"
    assert entry["data"]["sha256_before"] == hashlib.sha256(before.encode()).hexdigest()
    assert entry["data"]["sha256_after"] == hashlib.sha256(after.encode()).hexdigest()
    assert "-  refund_auto_max: 50" in entry["data"]["diff"] and "+  refund_auto_max: 75" in entry["data"]["diff"]

    assert web_hub.agent.policy.limits.refund_auto_max == 75  # this process: at once
    assert Hub.load(config, env={}).agent.policy.limits.refund_auto_max == 75  # a fresh start
    monkeypatch.setattr(agent_module, "RELOAD_CHECK_SECONDS", 0)  # a worker: on its next check
    assert worker.agent.policy.limits.refund_auto_max == 75
    assert "Saved policy.yaml" in admin.get("/config/policy").get_data(as_text=True)


def test_rollout_mode_form_changes_one_line_and_keeps_comments(admin, web_hub, config):
    before = (config / "policy.yaml").read_text()
    token = csrf_of(admin.get("/config/policy").get_data(as_text=True))
    assert web_hub.agent.policy.mode_for("order_status") == "autonomous"
    response = admin.post("/config/policy/mode", data={"csrf_token": token, "intent": "order_status", "mode": "off"})
    assert response.status_code == 302, response.get_data(as_text=True)
    after = (config / "policy.yaml").read_text()
    assert after.splitlines()[:10] == before.splitlines()[:10]  # the comment block, word for word
    assert set(after.splitlines()) - set(before.splitlines()) == {'  order_status: {mode: "off"}'}
    assert set(before.splitlines()) - set(after.splitlines()) == set()
    assert web_hub.agent.policy.mode_for("order_status") == "off"
    assert edits(web_hub)[-1]["data"]["diff"].count("\n+ ") == 1

    admin.post("/config/policy/mode", data={"csrf_token": token, "intent": "account_delete", "mode": ""})
    assert web_hub.agent.policy.mode_for("account_delete") == "autonomous"  # back to the default
    assert "account_delete" not in (config / "policy.yaml").read_text()
    admin.post("/config/policy/mode", data={"csrf_token": token, "intent": "refund_request", "mode": "approval"})
    assert "  refund_request: {confidence_threshold: 0.7, mode: approval}" in (config / "policy.yaml").read_text()
    assert web_hub.agent.policy.threshold_for("refund_request") == 0.7
    assert len(edits(web_hub)) == 3


@pytest.mark.parametrize("change, message", [
    (lambda text: text.replace("mode: autonomous", "mode: sometimes"), "mode: Input should be"),
    (lambda text: text.replace("limits:", "limits:\n  refund_forever: 1"), "limits.refund_forever: Extra inputs"),
    (lambda text: text.replace("intents:", "intents: ["), "invalid YAML"),
    (lambda text: text.replace("refund_max: 500", "refund_max: lots"), "limits.refund_max"),
])
def test_invalid_policy_is_refused_with_the_reason_and_the_file_untouched(admin, web_hub, config, change, message):
    before = (config / "policy.yaml").read_bytes()
    response = save(admin, "/config/policy", change)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html
    assert "Not saved" in html and "policy.yaml" in html and message in html, html
    import html as markup

    shown = markup.unescape(re.search(r"<textarea[^>]*>\n(.*?)</textarea>", html, re.S).group(1))
    assert shown.replace("\r\n", "\n") == change(before.decode())  # the refused text comes back to be mended
    assert (config / "policy.yaml").read_bytes() == before
    assert edits(web_hub) == []


@pytest.mark.parametrize("data, message", [
    ({"intent": "order_status", "mode": "sometimes"}, "the mode must be one of off, shadow, approval, autonomous"),
    ({"intent": "no_such_intent", "mode": "off"}, "is not an intent of the taxonomy"),
    ({"mode": "off"}, "is not an intent of the taxonomy"),
])
def test_bad_rollout_mode_form_is_refused(admin, web_hub, config, data, message):
    before = (config / "policy.yaml").read_bytes()
    token = csrf_of(admin.get("/config/policy").get_data(as_text=True))
    response = admin.post("/config/policy/mode", data=dict(data, csrf_token=token))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert (config / "policy.yaml").read_bytes() == before and edits(web_hub) == []


def test_a_save_over_a_newer_version_is_refused(admin, web_hub, config):
    token, sha, text = form_of(admin, "/config/policy")
    (config / "policy.yaml").write_text(text.replace("max_asks_per_run: 2", "max_asks_per_run: 3"))  # someone else
    theirs = (config / "policy.yaml").read_bytes()
    response = admin.post("/config/policy", data={"csrf_token": token, "sha256": sha,
                                                  "text": text.replace("refund_max: 500", "refund_max: 400")})
    assert response.status_code == 409 and "changed since you opened it" in response.get_data(as_text=True)
    assert (config / "policy.yaml").read_bytes() == theirs and edits(web_hub) == []


# -- flows -----------------------------------------------------------------------------------------


def test_flow_list_and_page(admin, config):
    html = admin.get("/config/flows").get_data(as_text=True)
    assert 'href="/config/flows/refund"' in html and "refund_request" in html
    page = admin.get("/config/flows/refund").get_data(as_text=True)
    assert "shopify.refund" in page and 'name="sha256"' in page


def test_valid_flow_edit_is_saved_audited_and_taken_up(admin, web_hub, config, monkeypatch):
    from hub.agent import agent as agent_module
    from hub.runtime import Hub

    worker = Hub.load(config, env={})
    old = worker.agent.flows["refund"].nodes["done"].message
    assert web_hub.agent.flows["refund"].nodes["done"].message == old
    response = save(admin, "/config/flows/refund", lambda text: text.replace(old, GENTLER))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert GENTLER in (config / "flows" / "refund.yaml").read_text()
    [entry] = edits(web_hub)
    assert entry["actor"] == "admin@example.com" and entry["data"]["file"] == "flows/refund.yaml"
    assert f"+      {GENTLER}" in entry["data"]["diff"]
    assert entry["data"]["sha256_after"] == hashlib.sha256((config / "flows" / "refund.yaml").read_bytes()).hexdigest()

    assert web_hub.agent.flows["refund"].nodes["done"].message == GENTLER
    assert Hub.load(config, env={}).agent.flows["refund"].nodes["done"].message == GENTLER
    monkeypatch.setattr(agent_module, "RELOAD_CHECK_SECONDS", 0)
    assert worker.agent.flows["refund"].nodes["done"].message == GENTLER
    assert not list((config / "flows").glob(".*.tmp"))  # no temporary file left behind


UNREACHABLE = "\n  orphan:\n    type: escalate\n"


@pytest.mark.parametrize("change, node, message", [
    (lambda text: text.replace("tool: shopify.find_order", "tool: shopify.find_orderz"), "find_order",
     "unknown tool &#39;shopify.find_orderz&#39;"),
    (lambda text: text.replace("tool: shopify.refund\n", "tool: shopify.get_order\n"), "refund",
     "is a lookup tool; a action node may only call action tools"),
    (lambda text: text + UNREACHABLE, "orphan", "is unreachable from start"),
    (lambda text: text.replace("default: ask_number", "default: ask_numbr"), "have_number",
     "leads to &#39;ask_numbr&#39;, which is not a node"),
    (lambda text: text.replace("next: find_order\n  find_order:", "next: have_number\n  find_order:"), "have_number",
     "loops back on itself"),
    (lambda text: text.replace("{if: entities.order_numbers, next: find_order}",
                               '{if: "entities.order_numbers ==", next: find_order}'), "have_number", "does not parse"),
    (lambda text: text.replace("nodes:", "nodes: [", 1), None, "invalid YAML"),
    (lambda text: text.replace("intents: [refund_request]", "intents: [refund_request, order_status]"), None,
     "intent &#39;order_status&#39; is already handled by flow &#39;order_status&#39;"),
    (lambda text: text.replace("name: refund\n", "name: handoff\n"), None, "flow name &#39;handoff&#39; is also used"),
])
def test_invalid_flow_is_refused_naming_file_and_node(admin, web_hub, config, change, node, message):
    path = config / "flows" / "refund.yaml"
    before = path.read_bytes()
    response = save(admin, "/config/flows/refund", change)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html
    error = re.search(r'<p class="flash error" id="error" role="alert">(.*?)</p>', html, re.S).group(1)
    assert error.startswith("Not saved: ") and "flows/refund.yaml" in error and message in error, error
    if node:
        assert f"node &#39;{node}&#39;" in error, error
    assert path.read_bytes() == before and edits(web_hub) == []
    assert web_hub.agent.flows["refund"].path == str(path)  # still running the file as it was


def test_a_node_a_waiting_run_stands_on_cannot_be_removed(admin, web_hub, config):
    from hub.db import session_scope
    from hub.models import Connection, Run, RunState, Ticket

    with session_scope(web_hub.engine) as session:
        connection = Connection(connector="zendesk", instance="acme", api_base_url="https://acme.zendesk.com")
        session.add(connection)
        session.flush()
        ticket = Ticket(connection_id=connection.id, remote_id="1", number="1", subject="Refund please")
        session.add(ticket)
        session.flush()
        session.add(Run(ticket_id=ticket.id, flow="refund", intent="refund_request", confidence=0.9,
                        node="ask_number", state=RunState.waiting_customer, facts={}))
    before = (config / "flows" / "refund.yaml").read_bytes()
    response = save(admin, "/config/flows/refund", lambda text: text.replace("ask_number", "ask_for_number"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "node &#39;ask_number&#39;: 1 unfinished run(s) stand on this node" in html
    response = save(admin, "/config/flows/refund", lambda text: text.replace("name: refund\n", "name: refunds\n"))
    assert response.status_code == 400 and "unfinished run(s) use flow" in response.get_data(as_text=True)
    assert (config / "flows" / "refund.yaml").read_bytes() == before


@pytest.mark.parametrize("path", ["/config/flows/..%2Fpolicy", "/config/flows/..", "/config/flows/Refund",
                                  "/config/flows/refund.yaml", "/config/flows/nosuchflow",
                                  "/config/flows/%2E%2E%2Fpolicy", "/config/flows/..%5Cpolicy"])
def test_flow_names_cannot_leave_the_flows_folder(admin, config, path):
    token = csrf_of(admin.get("/config/flows").get_data(as_text=True))
    before = (config / "policy.yaml").read_bytes()
    assert admin.get(path).status_code == 404
    response = admin.post(path, data={"csrf_token": token, "sha256": "0" * 64, "text": "mode: off\n"})
    assert response.status_code == 404
    assert (config / "policy.yaml").read_bytes() == before


def test_a_new_flow_can_be_created_and_edited(admin, web_hub, config):
    token = csrf_of(admin.get("/config/flows").get_data(as_text=True))
    response = admin.post("/config/flows", data={"csrf_token": token, "name": "warranty"})
    assert response.status_code == 302 and response.headers["Location"] == "/config/flows/warranty"
    assert (config / "flows" / "warranty.yaml").exists()
    assert edits(web_hub)[0]["data"]["sha256_before"] is None
    assert "warranty" in web_hub.agent.flows
    for name, message in (("warranty", "already exists"), ("../evil", "lower-case letters"), ("", "lower-case")):
        response = admin.post("/config/flows", data={"csrf_token": token, "name": name})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert not (config / "evil.yaml").exists() and len(edits(web_hub)) == 1


def test_forms_without_csrf_token_are_400_and_change_nothing(admin, web_hub, config):
    _, sha, text = form_of(admin, "/config/policy")
    before = (config / "policy.yaml").read_bytes()
    for path, data in (("/config/policy", {"sha256": sha, "text": text + "# changed\n"}),
                       ("/config/policy/mode", {"intent": "order_status", "mode": "off"}),
                       ("/config/flows", {"name": "sneaky"}),
                       ("/config/flows/refund", {"sha256": sha, "text": text})):
        assert admin.post(path, data=data).status_code == 400, path
        assert admin.post(path, data=dict(data, csrf_token="forged")).status_code == 400, path
    assert (config / "policy.yaml").read_bytes() == before and not (config / "flows" / "sneaky.yaml").exists()
    assert edits(web_hub) == []


def test_a_bad_hand_edit_on_disk_leaves_the_running_hub_on_its_last_good_version(admin, web_hub, config,
                                                                                  monkeypatch):
    from hub.agent import agent as agent_module

    assert web_hub.agent.policy.mode == "autonomous"
    monkeypatch.setattr(agent_module, "RELOAD_CHECK_SECONDS", 0)
    policy = config / "policy.yaml"
    policy.write_text(policy.read_text().replace("mode: autonomous", "mode: reckless"))
    assert web_hub.agent.policy.mode == "autonomous"  # kept, not crashed
    assert "policy.yaml: mode" in web_hub.agent.reload_error
    page = admin.get("/config/policy").get_data(as_text=True)
    assert 'id="running-problem"' in page and 'id="disk-error"' in page
    # Mending it from the editor puts the hub back on the files.
    response = save(admin, "/config/policy", lambda text: text.replace("mode: reckless", "mode: approval"))
    assert response.status_code == 302
    assert web_hub.agent.policy.mode == "approval" and web_hub.agent.reload_error is None


def test_other_roles_cannot_edit(client_as, config):
    for role in ("approver", "analyst"):
        client = client_as(role)
        token = csrf_of(client.get("/").get_data(as_text=True))
        assert client.get("/config/policy").status_code == 403
        assert client.get("/config/flows/refund").status_code == 403
        response = client.post("/config/policy/mode", data={"csrf_token": token, "intent": "order_status",
                                                            "mode": "off"})
        assert response.status_code == 403
    assert 'order_status: {mode: "off"}' not in (config / "policy.yaml").read_text()
