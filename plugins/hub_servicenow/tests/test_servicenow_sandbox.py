"""The ServiceNow sandbox speaks the Table API as instances do (shapes, paging, errors, push)."""

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from hub_servicenow.sandbox import create_sandbox
from hub_servicenow.sandbox.query import Evaluator, parse

BASIC = ("hub.integration", "sandbox-integration-password")
ADA = "a8f98bb0eb32010045e1a5115206fe04"
INC1 = "9d385017c611228701d22104cc950101"


@pytest.fixture
def sandbox():
    return create_sandbox()


@pytest.fixture
def server(sandbox):
    with sandbox.serve() as running:
        yield running


def table(server, name, **params):
    return requests.get(f"{server.url}/api/now/table/{name}", params=params, auth=BASIC)


# -- encoded queries ---------------------------------------------------------------------------


def numbers(sandbox, encoded):
    return [r["number"] for r in Evaluator(sandbox.data["tables"]).select("incident", parse(encoded))]


def test_or_binds_to_the_condition_before_it(sandbox):
    # state=1 AND (caller is Ada OR caller is Grace)
    assert numbers(sandbox, f"state=1^caller_id={ADA}^ORcaller_id.email=grace@example.com") == [
        "INC0010001", "INC0010008"]


def test_operators_and_ordering(sandbox):
    assert numbers(sandbox, "short_descriptionLIKEvpn") == ["INC0010001"]
    assert numbers(sandbox, "short_descriptionSTARTSWITHlaptop") == ["INC0010003"]
    assert numbers(sandbox, "stateIN6,7^ORDERBYDESCnumber") == ["INC0010005", "INC0010004"]
    assert numbers(sandbox, "sys_mod_count>2") == ["INC0010004", "INC0010005"]
    assert numbers(sandbox, "assignment_groupISEMPTY^caller_id.email=ada@example.com") == ["INC0010001", "INC0010005"]
    assert numbers(sandbox, "caller_id.nameSTARTSWITHabel^ORDERBYDESCsys_updated_on") == ["INC0010006", "INC0010007"]


def test_unknown_columns_are_ignored_and_carets_escaped(sandbox):
    # An instance ignores a condition on a column the table does not have.
    assert len(numbers(sandbox, "no_such_column=1")) == 8
    # "^^" is a literal caret inside a value, not a new condition.
    assert numbers(sandbox, "short_description=VPN ^^ disconnects") == []
    assert numbers(sandbox, "short_descriptionLIKEvpn^NQnumber=INC0010008") == ["INC0010001", "INC0010008"]


# -- Table API shapes --------------------------------------------------------------------------


def test_link_header_pages_to_the_end_with_absolute_urls(server):
    seen, url, params = [], f"{server.url}/api/now/table/incident", {
        "sysparm_query": "caller_id.email=ada@example.com^ORDERBYnumber", "sysparm_limit": "2",
        "sysparm_fields": "number"}
    while url:
        answer = requests.get(url, params=params, auth=BASIC)
        assert answer.headers["X-Total-Count"] == "5"
        seen += [r["number"] for r in answer.json()["result"]]
        assert answer.links["first"]["url"].startswith(server.url)
        assert "sysparm_offset=4" in answer.links["last"]["url"]
        url, params = answer.links.get("next", {}).get("url"), None
    assert seen == [f"INC001000{n}" for n in range(1, 6)]


def test_values_are_strings_and_references_link_back(server):
    row = requests.get(f"{server.url}/api/now/table/incident/{INC1}", auth=BASIC).json()["result"]
    assert all(isinstance(v, (str, dict)) for v in row.values())
    assert row["state"] == "1" and row["sys_mod_count"] == "0"
    assert row["caller_id"] == {"link": f"{server.url}/api/now/table/sys_user/{ADA}", "value": ADA}
    assert row["comments"] == "" and row["work_notes"] == ""  # journal fields are write-only
    assert row["opened_at"] == "2026-11-20 08:15:00"


def test_display_values_and_excluded_links(server):
    shown = requests.get(f"{server.url}/api/now/table/incident/{INC1}", auth=BASIC, params={
        "sysparm_display_value": "true", "sysparm_fields": "state,priority,caller_id"}).json()["result"]
    assert shown == {"state": "New", "priority": "3 - Moderate",
                     "caller_id": {"display_value": "Ada Lovelace", "link": f"{server.url}/api/now/table/sys_user/{ADA}"}}
    both = requests.get(f"{server.url}/api/now/table/incident/{INC1}", auth=BASIC, params={
        "sysparm_display_value": "all", "sysparm_exclude_reference_link": "true",
        "sysparm_fields": "caller_id,caller_id.email"}).json()["result"]
    assert both == {"caller_id": {"display_value": "Ada Lovelace", "value": ADA},
                    "caller_id.email": {"display_value": "ada@example.com", "value": "ada@example.com"}}


def test_insert_update_delete_status_codes(server, sandbox):
    created = requests.post(f"{server.url}/api/now/table/incident", auth=BASIC,
                            json={"short_description": "Keyboard broken", "caller_id": ADA, "impact": 2, "bogus": "x"})
    assert created.status_code == 201
    row = created.json()["result"]
    assert created.headers["Location"] == f"{server.url}/api/now/table/incident/{row['sys_id']}"
    assert row["number"] == "INC0010009" and row["impact"] == "2" and "bogus" not in row
    assert row["sys_created_by"] == "hub.integration"
    patched = requests.patch(f"{server.url}/api/now/table/incident/{row['sys_id']}", auth=BASIC,
                             json={"comments": "Any news?", "urgency": "1"})
    assert patched.json()["result"]["sys_mod_count"] == "1" and patched.json()["result"]["urgency"] == "1"
    by_label = requests.patch(f"{server.url}/api/now/table/incident/{row['sys_id']}", auth=BASIC,
                              params={"sysparm_input_display_value": "true"},
                              json={"state": "In Progress", "assignment_group": "Network"})
    assert by_label.json()["result"]["state"] == "2"
    assert by_label.json()["result"]["assignment_group"]["value"] == "d625dccec0a8016700a222a0f7900d02"
    gone = requests.delete(f"{server.url}/api/now/table/incident/{row['sys_id']}", auth=BASIC)
    assert gone.status_code == 204 and gone.content == b""
    missing = requests.get(f"{server.url}/api/now/table/incident/{row['sys_id']}", auth=BASIC)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "No Record found",
                                        "detail": "Record doesn't exist or ACL restricts the record retrieval"},
                              "status": "failure"}


def test_errors_use_the_instance_envelope(server):
    assert requests.get(f"{server.url}/api/now/table/incident").json() == {
        "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
        "status": "failure"}
    assert requests.get(f"{server.url}/api/now/table/incident", auth=("hub.integration", "wrong")).status_code == 401
    bad = table(server, "incident", sysparm_limit="lots")
    assert bad.status_code == 400 and bad.json()["error"]["message"] == "Invalid value for sysparm_limit"
    not_json = requests.post(f"{server.url}/api/now/table/incident", auth=BASIC, data="{oops",
                             headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["status"] == "failure"


def test_resolving_without_close_fields_violates_the_data_policy(server):
    answer = requests.patch(f"{server.url}/api/now/table/incident/{INC1}", auth=BASIC, json={"state": "6"})
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "Operation Failed"
    assert "Resolution code, Resolution notes" in answer.json()["error"]["detail"]
    assert table(server, "incident", sysparm_query=f"sys_id={INC1}").json()["result"][0]["state"] == "1"


def test_caller_comment_takes_an_incident_off_hold(server, sandbox):
    sandbox.data["basic_auth"]["ada.lovelace"] = "ada-password"
    inc3 = "9d385017c611228701d22104cc950103"  # On Hold, Awaiting Caller
    answer = requests.patch(f"{server.url}/api/now/table/incident/{inc3}", auth=("ada.lovelace", "ada-password"),
                            json={"comments": "The asset tag is ABC-123."})
    assert answer.json()["result"]["state"] == "2"
    assert answer.json()["result"]["hold_reason"] == ""


def test_rate_limit_fault_looks_like_an_instance_rule(server):
    requests.post(f"{server.url}/_sandbox/faults", json={"rate_limit": 1, "retry_after": 7})
    limited = table(server, "incident")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.headers["X-RateLimit-Limit"] and limited.headers["X-RateLimit-Rule"]
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time())
    assert limited.json()["error"]["message"] == "Rate limit exceeded"
    assert table(server, "incident").status_code == 200


def test_oauth_at_servicenow_paths_with_bearer_tokens(server):
    described = requests.get(f"{server.url}/_sandbox/").json()["oauth"]
    assert described["authorize_url"] == f"{server.url}/oauth_auth.do"
    assert described["token_url"] == f"{server.url}/oauth_token.do"
    assert described["revoke_url"] == f"{server.url}/oauth_revoke_token.do"
    refused = requests.get(f"{server.url}/api/now/table/incident", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.json()["error"]["message"] == "User Not Authenticated"


# -- Service Catalog ---------------------------------------------------------------------------


def test_order_now_creates_request_and_item(server, sandbox):
    zoom = "04b7e94b4f7b4200086eeed18110c702"
    answer = requests.post(f"{server.url}/api/sn_sc/servicecatalog/items/{zoom}/order_now", auth=BASIC,
                           json={"sysparm_quantity": "1", "sysparm_requested_for": ADA, "variables": {"reason": "demo"}})
    assert answer.status_code == 200
    result = answer.json()["result"]
    assert result["table"] == "sc_request" and result["number"] == result["request_number"] == "REQ0010003"
    items = table(server, "sc_req_item", sysparm_query=f"request={result['sys_id']}",
                  sysparm_fields="number,cat_item.name,requested_for,stage,approval").json()["result"]
    assert items == [{"number": "RITM0010003", "cat_item.name": "Zoom",
                      "requested_for": {"link": f"{server.url}/api/now/table/sys_user/{ADA}", "value": ADA},
                      "stage": "fulfillment", "approval": "approved"}]
    bad = requests.post(f"{server.url}/api/sn_sc/servicecatalog/items/{zoom}/order_now", auth=BASIC,
                        json={"sysparm_quantity": "0"})
    assert bad.status_code == 400
    unknown = requests.post(f"{server.url}/api/sn_sc/servicecatalog/items/{'0' * 32}/order_now", auth=BASIC, json={})
    assert unknown.status_code == 404


# -- the business rule's signed push -----------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/hooks/servicenow/c1"
    httpd.shutdown()
    httpd.server_close()


def test_incident_update_pushes_a_signed_business_rule_post(server, sandbox, receiver):
    requests.post(f"{server.url}/_sandbox/webhooks", json={"url": receiver, "secret": "s3cret"})
    requests.patch(f"{server.url}/api/now/table/incident/{INC1}", auth=BASIC, json={"comments": "On it."})
    assert sandbox.webhooks.wait_until_idle(timeout=10)
    (headers, body), = Receiver.received
    timestamp = headers["X-SN-Timestamp"]
    expected = base64.b64encode(hmac.new(b"s3cret", timestamp.encode() + b"." + body, hashlib.sha256).digest())
    assert headers["X-SN-Signature"] == expected.decode()
    assert abs(int(timestamp) / 1000 - time.time()) < 10
    event = json.loads(body)
    assert event["event"] == "update" and event["sys_id"] == INC1 and event["sys_mod_count"] == "1"
    assert event["caller_email"] == "ada@example.com"
    assert event["comment"]["value"] == "On it." and event["comment"]["author_name"] == "Hub Integration"


def test_sample_is_signed_but_not_sent_and_can_be_backdated(server, sandbox, receiver):
    requests.post(f"{server.url}/_sandbox/webhooks", json={"url": receiver, "secret": "s3cret"})
    sample = requests.post(f"{server.url}/_sandbox/webhooks/sample",
                           json={"kind": "comment.added", "age_seconds": 3600}).json()
    body = sample["body"].encode()
    assert json.loads(body)["comment"]["value"]
    assert int(sample["headers"]["X-SN-Timestamp"]) / 1000 < time.time() - 3500
    assert sandbox.webhooks.wait_until_idle(timeout=1) and Receiver.received == []
    assert requests.post(f"{server.url}/_sandbox/webhooks/sample", json={"kind": "nope"}).status_code == 400
