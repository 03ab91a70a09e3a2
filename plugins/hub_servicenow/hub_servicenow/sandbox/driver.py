"""The ServiceNow sandbox in the core's test world and demo (``hub.sandbox.driver``)."""

from pathlib import Path

import requests
import yaml
from hub.sandbox.driver import SandboxDriver, TicketRefused

from ..ingest import status

SEED = Path(__file__).parent / "seed.yaml"

#: Callers who may sign in with a password (HTTP Basic), to comment as themselves.
CALLERS = {"alan.turing": "caller-password-alan", "ada.lovelace": "caller-password-ada"}


def _own_seed():
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


class ServiceNowDriver(SandboxDriver):
    helpdesk = True
    def world_seed(self, directory):
        """The sandbox's own seed plus passwords for a few callers."""
        seed = _own_seed()
        seed["basic_auth"] = dict(seed.get("basic_auth") or {}, **CALLERS)
        path = Path(directory) / "servicenow-seed.yaml"
        path.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
        return path

    def requesters(self):
        """The seed's active users."""
        users = _own_seed()["tables"]["sys_user"]
        return {u["email"] for u in users if u.get("email") and str(u.get("active", "true")) != "false"}

    # -- the world's tickets -------------------------------------------------------------------

    def open_ticket(self, email, subject, body):
        return self.incident(email, subject, body)["sys_id"]

    def answer(self, remote_id, email, text):
        self.comment(remote_id, self.user_name(email), text)

    def status(self, remote_id):
        row = self.world.vendor(self.name).get(f"api/now/table/incident/{remote_id}").json()["result"]
        return status(row.get("state", ""), row.get("hold_reason", ""))

    def incident(self, caller_email, short_description, description):
        session = self.world.vendor(self.name)
        caller = session.get("api/now/table/sys_user", params={"sysparm_query": f"email={caller_email}"}).json()["result"][0]
        answer = session.post("api/now/table/incident", json={
            "caller_id": caller["sys_id"], "short_description": short_description, "description": description})
        return answer.json()["result"]

    def user_name(self, email):
        """The sys_user user_name of ``email`` (callers comment signed in as themselves)."""
        found = self.world.vendor(self.name).get("api/now/table/sys_user", params={"sysparm_query": f"email={email}"})
        return found.json()["result"][0]["user_name"]

    def comment(self, sys_id, user_name, body):
        """An additional comment on the incident written by the caller ``user_name`` themself."""
        answer = requests.patch(f"{self.world.servers[self.name].url}/api/now/table/incident/{sys_id}",
                                json={"comments": body}, auth=(user_name, CALLERS[user_name]), timeout=10)
        answer.raise_for_status()
        return answer.json()["result"]

    # -- the demo ------------------------------------------------------------------------------

    def file_ticket(self, session, email, subject, body):
        found = session.get("api/now/table/sys_user", params={
            "sysparm_query": f"email={email}", "sysparm_fields": "sys_id", "sysparm_limit": 1,
        }).json()["result"]
        if not found:
            raise TicketRefused(f"{email} is not a ServiceNow user, so cannot raise an incident")
        answer = session.post("api/now/table/incident", json={
            "caller_id": found[0]["sys_id"], "short_description": subject,
            "description": body, "contact_type": "self-service"})
        return answer.json()["result"]["sys_id"]
