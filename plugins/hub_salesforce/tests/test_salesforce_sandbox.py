"""The sandbox org's fidelity where the client contract tests do not reach: the SOQL subset and
its errors, DML validation, Sforce-Auto-Assign, the token response, and the control routes."""

import base64
import hashlib
import hmac

import pytest

from hub_salesforce.sandbox import ids

ADA_CASE = "5005g00000S0001AAB"
ORG_ID = "00D5g00000S0001EAB"


@pytest.mark.parametrize("query, code, text", [
    ("SELECT Id FROM Case WHERE Status = 'New' AND Priority = 'High' OR Origin = 'Web'", "MALFORMED_QUERY", "'OR'"),
    ("SELECT Id FROM Case WHERE Subject = 'unterminated", "MALFORMED_QUERY", "unterminated"),
    ("SELECT Id FROM Case WHERE Subject = 'bad \\q escape'", "MALFORMED_QUERY", "Illegal character sequence"),
    ("SELECT Id FROM Case WHERE", "MALFORMED_QUERY", "<EOF>"),
    ("SELECT Id, FROM Case", "MALFORMED_QUERY", "unexpected token"),
    ("SELECT Id FROM Case LIMIT -1", "MALFORMED_QUERY", "unexpected token"),
    ("SELECT Nope FROM Case", "INVALID_FIELD", "No such column 'Nope' on entity 'Case'"),
    ("SELECT Id FROM CaseComment WHERE CommentBody = 'x'", "INVALID_FIELD", "can not be filtered"),
    ("SELECT Id FROM Case WHERE Contact.Nope = 'x'", "INVALID_FIELD", "No such column 'Nope' on entity 'Contact'"),
    ("SELECT Id FROM Case WHERE Parent.Id = 'x'", "INVALID_FIELD", "Didn't understand relationship 'Parent'"),
    ("SELECT Id FROM Opportunity", "INVALID_TYPE", "sObject type 'Opportunity' is not supported"),
    ("SELECT Id FROM Case WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: abc"),
    ("SELECT Id FROM Case WHERE IsClosed = 'true'", "INVALID_QUERY_FILTER_OPERATOR", "must be of type boolean"),
    ("SELECT Id FROM Case WHERE CreatedDate > 2026-11-01", "INVALID_QUERY_FILTER_OPERATOR", "dateTime"),
    ("SELECT Id FROM Case WHERE " + "(" * 5000 + "Status = 'New'" + ")" * 5000, "MALFORMED_QUERY", "nested"),
    ("SELECT Id FROM Case WHERE " + "NOT " * 5000 + "Status = 'New'", "MALFORMED_QUERY", "nested"),
])
def test_query_errors(soql, error_code, query, code, text):
    response = soql(query)
    assert response.status_code == 400
    assert error_code(response) == code and text in response.json()[0]["message"]


def test_query_subset(soql):
    def ids_of(query):
        response = soql(query)
        assert response.status_code == 200, response.text
        return [r.get("CaseNumber") or r["Id"] for r in response.json()["records"]]

    assert ids_of("select casenumber from case where status in ('Escalated', 'On Hold') order by casenumber") == [
        "00001006", "00001010"]
    assert ids_of("SELECT CaseNumber FROM Case WHERE (Status = 'New' OR Status = 'Working') AND Priority = 'High' "
                  "AND NOT Subject LIKE '%refund%' ORDER BY CaseNumber") == ["00001001", "00001005", "00001009"]
    assert ids_of("SELECT CaseNumber FROM Case WHERE Subject LIKE 'complaint%' ORDER BY CreatedDate DESC") == [
        "00001010", "00001006"]
    assert ids_of("SELECT CaseNumber FROM Case WHERE ContactId = null") == ["00001011"]
    assert ids_of("SELECT CaseNumber FROM Case WHERE Status NOT IN ('New') AND CreatedDate >= 2026-11-07T00:00:00Z "
                  "ORDER BY CaseNumber LIMIT 2 OFFSET 1") == ["00001006", "00001010"]
    # 15-character ids match their 18-character records.
    assert ids_of(f"SELECT CaseNumber FROM Case WHERE Id = '{ADA_CASE[:15]}'") == ["00001001"]


def test_relationship_fields(soql):
    record = soql(f"SELECT Id, Contact.Email, Contact.Account.Name, Owner.Name FROM Case WHERE Id = '{ADA_CASE}'")
    assert record.status_code == 400  # two levels deep is beyond the sandbox's subset, and says so
    [case] = soql(f"SELECT Contact.Email, Owner.Name, Account.Name FROM Case WHERE Id = '{ADA_CASE}'").json()["records"]
    assert case["Contact"]["Email"] == "ada@example.com"
    assert case["Contact"]["attributes"]["type"] == "Contact"
    assert case["Owner"] == {"attributes": {"type": "Group", "url": case["Owner"]["attributes"]["url"]},
                             "Name": "Billing Queue"}
    assert case["Account"]["Name"] == "Acme Corp"
    [walk_in] = soql("SELECT Contact.Email FROM Case WHERE ContactId = null").json()["records"]
    assert walk_in["Contact"] is None


def test_query_locators(soql, api, error_code):
    page = soql("SELECT Id FROM Contact", **{"Sforce-Query-Options": "batchSize=10"}).json()
    assert (page["totalSize"], page["done"], len(page["records"])) == (13, False, 10)
    last = api.get(api.base.split("/services")[0] + page["nextRecordsUrl"]).json()
    assert (last["done"], len(last["records"]), "nextRecordsUrl" in last) == (True, 3, False)
    gone = api.get(api.base + "query/01gdoesnotexist-2")
    assert gone.status_code == 400 and error_code(gone) == "INVALID_QUERY_LOCATOR"


def test_create_validation(api, error_code):
    def create(name, body):
        return api.post(api.base + f"sobjects/{name}", json=body)

    missing = create("CaseComment", {"CommentBody": "orphan"})
    assert (missing.status_code, error_code(missing)) == (400, "REQUIRED_FIELD_MISSING")
    assert missing.json()[0]["fields"] == ["ParentId"]
    read_only = create("Case", {"Subject": "x", "CaseNumber": "1"})
    assert error_code(read_only) == "INVALID_FIELD_FOR_INSERT_UPDATE"
    unknown = create("Case", {"Subjet": "typo"})
    assert error_code(unknown) == "INVALID_FIELD"
    wrong_type = create("Case", {"Subject": "x", "IsEscalated": "yes"})
    assert error_code(wrong_type) == "JSON_PARSER_ERROR"
    bad_reference = create("CaseComment", {"ParentId": "003000000000000AAA", "CommentBody": "x"})
    assert error_code(bad_reference) == "MALFORMED_ID"
    too_long = create("CaseComment", {"ParentId": ADA_CASE, "CommentBody": "x" * 4001})
    assert error_code(too_long) == "STRING_TOO_LONG"
    queue = create("Group", {"Name": "Mine"})
    assert (queue.status_code, error_code(queue)) == (403, "INSUFFICIENT_ACCESS_OR_READONLY")
    for not_json in ("{", '{"Subject": ' + "[" * 100_000 + "]" * 100_000 + "}"):
        refused = api.post(api.base + "sobjects/Case", data=not_json, headers={"Content-Type": "application/json"})
        assert (refused.status_code, error_code(refused)) == (400, "JSON_PARSER_ERROR")
    assert api.patch(api.base + "sobjects/Case/5005g00000ZZZZZAAA", json={"Status": "Closed"}).status_code == 404


def test_auto_assign_header(api, error_code, harness):
    def owner_group(headers):
        created = api.post(api.base + "sobjects/Case", json={"Subject": "Wrong invoice total"}, headers=headers)
        assert created.status_code == 201, created.text
        return harness.vendor_state("case", created.json()["id"])["assignment"]["group"]

    assert owner_group({}) == "Billing_Queue"  # absent means TRUE
    assert owner_group({"Sforce-Auto-Assign": "true"}) == "Billing_Queue"
    assert owner_group({"Sforce-Auto-Assign": "FALSE"}) is None
    rule = harness.sandbox.data["assignment_rule"]["id"]
    assert owner_group({"Sforce-Auto-Assign": rule[:15]}) == "Billing_Queue"
    bad = api.post(api.base + "sobjects/Case", json={"Subject": "x"}, headers={"Sforce-Auto-Assign": "maybe"})
    assert error_code(bad) == "MALFORMED_ID"


def test_token_response_is_shaped_like_salesforces(harness, connection):
    token, _ = harness.token(connection)
    assert "expires_in" not in token and token["token_type"] == "Bearer"
    assert token["instance_url"] == harness.server.url
    assert token["id"] == f"{harness.server.url}/id/{ORG_ID}/0055g00000S0001AAB"
    assert token["issued_at"].isdigit() and len(token["issued_at"]) == 13
    expected = hmac.new(b"salesforce-sandbox-secret", (token["id"] + token["issued_at"]).encode(), hashlib.sha256)
    assert token["signature"] == base64.b64encode(expected.digest()).decode()
    identity = harness.http.get(token["id"], headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert identity["organization_id"] == ORG_ID


def test_unsupported_version_and_limits(api, harness, error_code):
    assert error_code(api.get(f"{harness.server.url}/services/data/v99.0/limits")) == "NOT_FOUND"
    limits = api.get(api.base + "limits")
    assert limits.json()["DailyApiRequests"]["Max"] == 15000
    assert limits.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_control_routes_refuse_bad_requests(harness):
    def post(path, body):
        return harness.http.post(f"{harness.server.url}/_sandbox/{path}", json=body)

    assert post("webhooks/sample", {"kind": "ticket.deleted"}).status_code == 400
    assert post("webhooks/sample", {"format": "graphql"}).status_code == 400
    assert post("webhooks/sample", {"age_seconds": -1}).status_code == 400
    assert post("webhooks/sample", {"ticket_id": "5005g00000ZZZZZAAA"}).status_code == 400
    assert post("webhooks/sample", {"kind": "comment.added", "format": "change_event"}).status_code == 400
    assert harness.http.get(f"{harness.server.url}/_sandbox/state/order/1").status_code == 404
    # Control routes are never faulted.
    harness.faults(server_error=1)
    assert post("webhooks/sample", {}).status_code == 200
    harness.clear_faults()


def test_hub_sandbox_finds_the_salesforce_sandbox():
    from hub.sandbox import discover

    sandbox = discover()["salesforce"]()
    assert sandbox.spec.tls is True and sandbox.spec.oauth.token_path == "/services/oauth2/token"


def test_ids():
    assert ids.to18(ADA_CASE[:15]) == ADA_CASE
    assert ids.same(ADA_CASE.lower()[:15] + "AAB", ADA_CASE) is False  # ids are case-sensitive
    assert ids.to18("not-an-id") is None
    minted = ids.new_id("500")
    assert len(minted) == 18 and minted.startswith("500") and ids.to18(minted) == minted
