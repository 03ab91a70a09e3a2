"""simple-salesforce, the popular Python client, against the sandbox over HTTPS.

It hard-codes ``https://`` and builds every URL itself, so these tests prove the sandbox's
paths, status codes, bodies, query locators, error arrays and limit header are what the client
expects of a real org. The session id is the access token the hub got through the OAuth dance.
"""

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

ADA_CASE = "5005g00000S0001AAB"


def client(harness, connection):
    token, _ = harness.token(connection)
    session = requests.Session()
    session.verify = harness.http.verify  # the kit's local CA
    return Salesforce(instance_url=harness.server.url, session_id=token["access_token"], session=session,
                      version="67.0")


@pytest.fixture
def sf(harness, connection):
    return client(harness, connection)


def test_query_all_follows_next_records_url(sf):
    first = sf.query("SELECT Id, CaseNumber FROM Case ORDER BY CaseNumber",
                     headers={"Sforce-Query-Options": "batchSize=5"})
    assert (first["totalSize"], first["done"], len(first["records"])) == (12, False, 5)
    assert first["nextRecordsUrl"].startswith("/services/data/v67.0/query/01g")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True,
                           headers={"Sforce-Query-Options": "batchSize=5"})
    assert [r["CaseNumber"] for r in second["records"]] == [f"{n:08d}" for n in range(1006, 1011)]

    everything = sf.query_all("SELECT Id, CaseNumber FROM Case", headers={"Sforce-Query-Options": "batchSize=5"})
    assert everything["totalSize"] == 12 and everything["done"] is True
    assert len({r["Id"] for r in everything["records"]}) == 12
    assert everything["records"][0]["attributes"]["type"] == "Case"


def test_case_create_get_update_and_comment(sf, harness):
    created = sf.Case.create({"Subject": "Where is my order?", "Origin": "Web", "SuppliedEmail": "new@example.com"},
                             headers={"Sforce-Auto-Assign": "FALSE"})
    assert created["success"] is True and created["errors"] == []
    case_id = created["id"]
    assert case_id.startswith("500") and len(case_id) == 18

    case = sf.Case.get(case_id)
    assert case["attributes"] == {"type": "Case", "url": f"/services/data/v67.0/sobjects/Case/{case_id}"}
    assert (case["Status"], case["Priority"], case["IsClosed"]) == ("New", "Medium", False)
    assert case["CaseNumber"] == "00001013"

    assert sf.Case.update(case_id, {"Status": "Closed"}) == 204
    assert sf.Case.get(case_id)["IsClosed"] is True

    comment = sf.CaseComment.create({"ParentId": case_id, "CommentBody": "Shipped today.", "IsPublished": True})
    assert comment["success"] is True
    state = harness.vendor_state("case", case_id)
    assert state["comments"] == [{"id": comment["id"], "body": "Shipped today.", "public": True,
                                  "created_by": state["comments"][0]["created_by"],
                                  "created_at": state["comments"][0]["created_at"]}]


def test_expired_session_raises_expired_session(harness):
    own = harness.connect()  # expired on purpose: not the module's shared connection
    sf = client(harness, own)
    harness.control("POST", "tokens/expire", {"access_token": sf.session_id})
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Case")
    assert caught.value.content[0]["errorCode"] == "INVALID_SESSION_ID"
    assert caught.value.content[0]["message"] == "Session expired or invalid"


def test_errors_map_to_the_clients_exceptions(sf, harness):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Case WHERE Status = 'New' AND Priority = 'High' OR Origin = 'Web'")
    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"

    with pytest.raises(SalesforceResourceNotFound):
        sf.Case.get("5005g00000ZZZZZAAA")

    harness.faults(rate_limit=1)
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Case")
    assert caught.value.content == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_limit_info_and_search(sf):
    sf.query("SELECT Id FROM Group WHERE Type = 'Queue'")
    usage = sf.api_usage["api-usage"]
    assert usage.total == 15000 and usage.used >= 1

    found = sf.search("FIND {password} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title WHERE PublishStatus = 'Online' "
                      "AND Language = 'en_US')")
    assert [r["Title"] for r in found["searchRecords"]] == ["How to reset your password"]


def test_versions_listed_without_a_session(harness):
    versions = harness.http.get(f"{harness.server.url}/services/data/").json()
    assert {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"} in versions
