"""Drives the ServiceNow sandbox with pysnow; run by test_client_contract.py inside a throwaway
virtualenv (pysnow pins old dependencies). Prints one JSON document of what it saw.

Usage: python pysnow_driver.py PORT USER PASSWORD
"""

import json
import sys

import pysnow
import requests
from pysnow.exceptions import NoResults

port, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
client = pysnow.Client(host=f"127.0.0.1:{port}", use_ssl=False, user=user, password=password)
incident = client.resource(api_path="/table/incident")
seen = {}

one = incident.get(query={"number": "INC0010001"}).one()
seen["one"] = {"number": one["number"], "state": one["state"], "caller_id": one["caller_id"]}

query = pysnow.QueryBuilder().field("caller_id.email").equals("ada@example.com").AND().field("active").equals("true")
seen["active_for_ada"] = sorted(r["number"] for r in incident.get(query=query).all())

# A resource of its own: pysnow keeps sysparm_fields on the resource for later calls.
numbers = client.resource(api_path="/table/incident")
page = numbers.get(query={"caller_id": one["caller_id"]["value"]}, limit=2, offset=2, fields=["number"])
seen["page"] = [r["number"] for r in page.all()]

created = incident.create(payload={"short_description": "Created by pysnow", "caller_id": one["caller_id"]["value"],
                                   "urgency": 2}).one()
seen["created"] = {"number": created["number"], "urgency": created["urgency"], "state": created["state"]}

updated = incident.update(query={"number": created["number"]}, payload={"comments": "Hello from pysnow"}).one()
seen["updated_mod_count"] = updated["sys_mod_count"]

journal = client.resource(api_path="/table/sys_journal_field")
seen["journal"] = [r["value"] for r in journal.get(query={"element_id": created["sys_id"]}).all()]

seen["deleted"] = incident.delete(query={"number": created["number"]})
try:
    incident.get(query={"number": created["number"]}).one()
    seen["after_delete"] = "still there"
except NoResults:
    seen["after_delete"] = "NoResults"

try:
    list(client.resource(api_path="/table/no_such_table").get(query={}).all())
    seen["bad_table"] = "no error"
except requests.HTTPError as error:  # pysnow raises for the status before reading the body
    seen["bad_table"] = [error.response.status_code, error.response.json()["error"]["message"]]

print(json.dumps(seen))
