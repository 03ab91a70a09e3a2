"""The Salesforce sandbox in the core's test world and demo (``hub.sandbox.driver``)."""

from pathlib import Path

import yaml
from hub.sandbox.driver import SandboxDriver

from ..normalize import ticket_status

SEED = Path(__file__).parent / "seed.yaml"


def _soql_string(text):
    return text.replace("\\", "\\\\").replace("'", "\\'")  # SOQL string escapes


class SalesforceDriver(SandboxDriver):
    helpdesk = True
    #: simple-salesforce cannot talk plain http; the hub trusts the sandbox's local CA.
    tls = True
    on_request = True

    def requesters(self):
        """The seed's Contacts."""
        contacts = yaml.safe_load(SEED.read_text(encoding="utf-8"))["records"]["Contact"]
        return {c["Email"].lower() for c in contacts if c.get("Email")}

    # -- the world's tickets -------------------------------------------------------------------

    def open_ticket(self, email, subject, body):
        return self.case(email, subject, body)

    def answer(self, remote_id, email, text):
        self.comment(remote_id, text)

    def status(self, remote_id):
        status = ticket_status(self.world.vendor(self.name).get(f"sobjects/Case/{remote_id}").json())
        return "solved" if status == "closed" else status  # a Salesforce case is solved by closing it

    def case(self, contact_email, subject, description):
        """A Case from an existing Contact, created through the REST API (the org's Outbound
        Message then reaches the hub)."""
        session = self.world.vendor(self.name)
        found = session.get("query", params={"q": f"SELECT Id FROM Contact WHERE Email = '{_soql_string(contact_email)}'"}).json()
        answer = session.post("sobjects/Case", json={"Subject": subject, "Description": description, "Origin": "Email",
                                                     "ContactId": found["records"][0]["Id"]})
        return answer.json()["id"]

    def comment(self, case_id, body):
        """A public CaseComment by the case contact's portal user; the org sends its Outbound Message."""
        return self.world.control(self.name, "POST", "webhooks/fire", {"kind": "comment.added", "ticket_id": case_id,
                                                                       "body": body})

    # -- the demo ------------------------------------------------------------------------------

    def file_ticket(self, session, email, subject, body):
        found = session.get("query", params={"q": f"SELECT Id FROM Contact WHERE Email = '{_soql_string(email)}'"}).json()
        case = {"Subject": subject, "Description": body, "Origin": "Web"}
        if found.get("records"):
            case["ContactId"] = found["records"][0]["Id"]
        else:  # web-to-case from someone the org does not know
            case["SuppliedEmail"] = email
        return session.post("sobjects/Case", json=case).json()["id"]
