"""The Zendesk sandbox in the core's test world and demo (``hub.sandbox.driver``)."""

from pathlib import Path

import requests
import yaml
from hub.sandbox.driver import SandboxDriver

SEED = Path(__file__).parent / "seed.yaml"

#: Shopify customers who also write to the Zendesk help desk, with verified emails there.
SHOPPERS = [
    {"id": 372000009001, "name": "Ada Lovelace", "email": "ada@example.com"},
    {"id": 372000009002, "name": "Barbara Liskov", "email": "barbara@example.com"},
    {"id": 372000009003, "name": "Margaret Hamilton", "email": "margaret@example.com"},
    {"id": 372000009004, "name": "John McCarthy", "email": "john.mccarthy@example.org"},
]


def _own_seed():
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


class ZendeskDriver(SandboxDriver):
    helpdesk = True
    def world_seed(self, directory):
        """The sandbox's own seed plus the shoppers as verified end-users."""
        seed = _own_seed()
        seed["users"] += [dict(user, role="end-user", verified=True) for user in SHOPPERS]
        path = Path(directory) / "zendesk-seed.yaml"
        path.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
        return path

    def demo_seed(self, directory, customers):
        """The sandbox's own seed plus every customer as a verified end-user, so the helpdesk
        vouches for the shoppers who write in (and so their order questions verify)."""
        if not customers:
            return None
        seed = _own_seed()
        known = {user["email"].lower() for user in seed["users"]}
        next_id = max(user["id"] for user in seed["users"]) + 1
        for customer in customers:
            if customer["email"].lower() in known:
                continue
            seed["users"].append({"id": next_id, "name": customer["name"], "email": customer["email"],
                                  "role": "end-user", "verified": True})
            next_id += 1
        path = Path(directory) / "zendesk-seed.yaml"
        path.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
        return path

    def requesters(self):
        """The seed's end-users, the shoppers included."""
        end_users = {u["email"] for u in _own_seed()["users"] if u.get("role") == "end-user"}
        return end_users | {s["email"] for s in SHOPPERS}

    # -- the world's tickets -------------------------------------------------------------------

    def open_ticket(self, email, subject, body):
        return str(self.ticket(email, subject, body)["id"])

    def answer(self, remote_id, email, text):
        self.comment(remote_id, email, text)

    def status(self, remote_id):
        return self.state(remote_id).get("status")

    def ticket(self, email, subject, body):
        answer = self.world.vendor(self.name).post("tickets.json", json={"ticket": {
            "subject": subject, "comment": {"body": body}, "requester": {"email": email}}})
        return answer.json()["ticket"]

    def comment(self, ticket_id, email, body):
        """A public comment on the ticket written by the end-user ``email`` (the customer answering)."""
        user = next(u for u in SHOPPERS if u["email"] == email)
        self.world.vendor(self.name).put(f"tickets/{ticket_id}.json", json={"ticket": {
            "comment": {"body": body, "public": True, "author_id": user["id"]}}})

    def replies(self, ticket_id):
        """The public comments on the ticket after the requester's own description."""
        return [c["body"] for c in self.state(ticket_id)["comments"] if c.get("public")][1:]

    def state(self, ticket_id):
        answer = requests.get(f"{self.world.servers[self.name].url}/_sandbox/state/ticket/{ticket_id}", timeout=5)
        return answer.json()

    # -- the demo ------------------------------------------------------------------------------

    def file_ticket(self, session, email, subject, body):
        answer = session.post("tickets.json", json={"ticket": {
            "subject": subject, "comment": {"body": body}, "requester": {"email": email}}})
        return answer.json()["ticket"]["id"]
