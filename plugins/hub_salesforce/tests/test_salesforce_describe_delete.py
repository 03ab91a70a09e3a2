"""Describe, DELETE and queryAll, through simple-salesforce: what an integrator's client
reaches for beside CRUD."""

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound


@pytest.fixture
def sf(harness, connection):
    token, _ = harness.token(connection)
    session = requests.Session()
    session.verify = harness.http.verify
    return Salesforce(instance_url=harness.server.url, session_id=token["access_token"], session=session,
                      version="67.0")


def test_case_describe_names_fields_types_and_picklists(sf):
    described = sf.Case.describe()
    assert (described["name"], described["keyPrefix"], described["createable"]) == ("Case", "500", True)
    fields = {f["name"]: f for f in described["fields"]}
    assert fields["Id"]["type"] == "id" and fields["Id"]["createable"] is False
    assert fields["CaseNumber"]["updateable"] is False
    assert fields["Description"]["type"] == "textarea" and fields["Description"]["filterable"] is False
    assert [v["value"] for v in fields["Status"]["picklistValues"]] == ["New", "Working", "Escalated", "On Hold", "Closed"]
    assert fields["ContactId"]["referenceTo"] == ["Contact"] and fields["ContactId"]["relationshipName"] == "Contact"
    children = {c["relationshipName"]: c for c in described["childRelationships"]}
    assert children["CaseComments"]["childSObject"] == "CaseComment" and children["CaseComments"]["cascadeDelete"]


def test_global_describe_and_object_info(sf):
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Case", "CaseComment", "Contact", "Account", "User", "Group"} <= names
    assert sf.Contact.metadata()["objectDescribe"]["keyPrefix"] == "003"


def test_unknown_object_describe_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.NoSuchThing__c.describe()


def test_delete_moves_a_case_and_its_comments_to_the_recycle_bin(sf):
    case_id = sf.Case.create({"Subject": "To be deleted", "Origin": "Web"}, headers={"Sforce-Auto-Assign": "FALSE"})["id"]
    comment_id = sf.CaseComment.create({"ParentId": case_id, "CommentBody": "goes with it"})["id"]
    assert sf.Case.delete(case_id) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Case.get(case_id)
    assert sf.query(f"SELECT COUNT() FROM Case WHERE Id = '{case_id}'")["totalSize"] == 0
    deleted = sf.query_all(f"SELECT Id, IsDeleted FROM Case WHERE Id = '{case_id}'", include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in deleted] == [(case_id, True)]
    comments = sf.query_all(f"SELECT Id, IsDeleted FROM CaseComment WHERE ParentId = '{case_id}'",
                            include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in comments] == [(comment_id, True)]
    with pytest.raises(SalesforceResourceNotFound) as again:
        sf.Case.delete(case_id)
    assert again.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
