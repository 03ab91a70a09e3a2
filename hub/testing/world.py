"""A whole small world on one machine: vendor sandboxes, the hub's web app on a real port,
Redis, and connections made through each sandbox's real OAuth consent page.

Agent tests and benchmarks build on it; nothing here is a stand-in for the hub itself.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import yaml
from sqlmodel import select

REPO = Path(__file__).resolve().parents[2]

#: Shopify customers who also write to the Zendesk help desk, with verified emails there.
SHOPPERS = [
    {"id": 372000009001, "name": "Ada Lovelace", "email": "ada@example.com"},
    {"id": 372000009002, "name": "Barbara Liskov", "email": "barbara@example.com"},
    {"id": 372000009003, "name": "Margaret Hamilton", "email": "margaret@example.com"},
    {"id": 372000009004, "name": "John McCarthy", "email": "john.mccarthy@example.org"},
]


def zendesk_seed(directory):
    """The Zendesk sandbox's own seed plus the shoppers as verified end-users."""
    from hub_zendesk import sandbox as zendesk_sandbox

    seed = yaml.safe_load((Path(zendesk_sandbox.__file__).parent / "seed.yaml").read_text())
    seed["users"] += [dict(user, role="end-user", verified=True) for user in SHOPPERS]
    path = directory / "zendesk-seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True))
    return path


#: ServiceNow callers who may sign in with a password (HTTP Basic), to comment as themselves.
CALLERS = {"alan.turing": "caller-password-alan", "ada.lovelace": "caller-password-ada"}


def servicenow_seed(directory):
    """The ServiceNow sandbox's own seed plus passwords for a few callers."""
    from hub_servicenow import sandbox as servicenow_sandbox

    seed = yaml.safe_load((Path(servicenow_sandbox.__file__).parent / "seed.yaml").read_text())
    seed["basic_auth"] = dict(seed.get("basic_auth") or {}, **CALLERS)
    path = directory / "servicenow-seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True))
    return path


def requesters():
    """Who can write to each helpdesk of a world, by helpdesk: the emails their seeds know —
    Zendesk's end-users (the shoppers included), ServiceNow's active users, Salesforce's Contacts."""
    from hub_salesforce import sandbox as salesforce_sandbox
    from hub_servicenow import sandbox as servicenow_sandbox
    from hub_zendesk import sandbox as zendesk_sandbox

    def seed(package):
        return yaml.safe_load((Path(package.__file__).parent / "seed.yaml").read_text())

    zendesk = {u["email"] for u in seed(zendesk_sandbox)["users"] if u.get("role") == "end-user"}
    users = seed(servicenow_sandbox)["tables"]["sys_user"]
    contacts = seed(salesforce_sandbox)["records"]["Contact"]
    return {"zendesk": zendesk | {s["email"] for s in SHOPPERS},
            "servicenow": {u["email"] for u in users if u.get("email") and str(u.get("active", "true")) != "false"},
            "salesforce": {c["Email"].lower() for c in contacts if c.get("Email")}}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class World:
    def __init__(self, directory, redis_url, database_url=None, salesforce=False, shopify_seed=None):
        from hub_shopify.sandbox import create_sandbox as shopify
        from hub_zendesk.sandbox import create_sandbox as zendesk
        from hub_servicenow.sandbox import create_sandbox as servicenow

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        directory = self.directory
        self.sandboxes = {"zendesk": zendesk(seed=zendesk_seed(directory)), "shopify": shopify(seed=shopify_seed),
                          "servicenow": servicenow(seed=servicenow_seed(directory))}
        self.servers = {name: sandbox.serve(tls=False) for name, sandbox in self.sandboxes.items()}
        self._saved_ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
        if salesforce:  # HTTPS only, like the real thing: the hub trusts the sandbox's local CA
            from hub.sandbox import ensure_certificates
            from hub_salesforce.sandbox import create_sandbox as salesforce_sandbox

            tls = ensure_certificates(directory / "tls")
            os.environ["REQUESTS_CA_BUNDLE"] = str(tls.ca)
            self.sandboxes["salesforce"] = salesforce_sandbox()
            self.servers["salesforce"] = self.sandboxes["salesforce"].serve(tls=tls)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.config = directory / "config"
        shutil.copytree(REPO / "config", self.config)
        settings = yaml.safe_load((self.config / "settings.yaml").read_text())
        settings.update(data_dir=str(directory / "var"), sandbox_mode=True, public_url=self.url,
                        redis_url=redis_url, queue_name=f"hub-{port}",
                        http=dict(settings.get("http") or {}, max_wait=0.2, backoff_base=0.01))
        if database_url:
            settings["database_url"] = database_url
        (self.config / "settings.yaml").write_text(yaml.safe_dump(settings))
        policy = yaml.safe_load((self.config / "policy.yaml").read_text())
        policy["runs"] = dict(policy.get("runs") or {}, retry_base_seconds=0.1, lease_seconds=5)
        (self.config / "policy.yaml").write_text(yaml.safe_dump(policy))
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}

        from hub.app import create_app
        from hub.db import upgrade
        from hub.runtime import Hub
        from hub.sandbox import serve_app

        self.hub = Hub.load(self.config, env=self.env)
        upgrade(self.hub.engine)
        self.web = serve_app(create_app(self.hub), port=port)
        self.connections = {name: self.connect(name) for name in self.servers}

    def connect(self, name):
        """The real OAuth dance against the sandbox's consent page, finished in-process."""
        from hub import connections
        from hub.sandbox import give_consent

        connection, url, _ = connections.begin(self.hub, name, f"127.0.0.1:{self.servers[name].port}")
        query = dict(parse_qsl(urlsplit(give_consent(url)).query))
        return connections.finish(self.hub, query["state"], query.get("code"), query)

    def vendor(self, name):
        """An API client for a sandbox, authorised like the hub (for arranging test data)."""
        from hub.models import Connection
        from hub.db import session_scope

        with session_scope(self.hub.engine) as session:
            connection = session.get(Connection, self.connections[name].id)
        return self.hub.session(connection)

    def zendesk_ticket(self, email, subject, body):
        answer = self.vendor("zendesk").post("tickets.json", json={"ticket": {
            "subject": subject, "comment": {"body": body}, "requester": {"email": email}}})
        return answer.json()["ticket"]

    def zendesk_comment(self, ticket_id, email, body):
        """A public comment on the ticket written by the end-user ``email`` (the customer answering)."""
        user = next(u for u in SHOPPERS if u["email"] == email)
        self.vendor("zendesk").put(f"tickets/{ticket_id}.json", json={"ticket": {
            "comment": {"body": body, "public": True, "author_id": user["id"]}}})

    def servicenow_incident(self, caller_email, short_description, description):
        session = self.vendor("servicenow")
        caller = session.get("api/now/table/sys_user", params={"sysparm_query": f"email={caller_email}"}).json()["result"][0]
        answer = session.post("api/now/table/incident", json={
            "caller_id": caller["sys_id"], "short_description": short_description, "description": description})
        return answer.json()["result"]

    def servicenow_user_name(self, email):
        """The sys_user user_name of ``email`` (callers comment signed in as themselves)."""
        found = self.vendor("servicenow").get("api/now/table/sys_user", params={"sysparm_query": f"email={email}"})
        return found.json()["result"][0]["user_name"]

    def servicenow_comment(self, sys_id, user_name, body):
        """An additional comment on the incident written by the caller ``user_name`` themself."""
        answer = requests.patch(f"{self.servers['servicenow'].url}/api/now/table/incident/{sys_id}",
                                json={"comments": body}, auth=(user_name, CALLERS[user_name]), timeout=10)
        answer.raise_for_status()
        return answer.json()["result"]

    def salesforce_case(self, contact_email, subject, description):
        """A Case from an existing Contact, created through the REST API (the org's Outbound
        Message then reaches the hub)."""
        session = self.vendor("salesforce")
        quoted = contact_email.replace("\\", "\\\\").replace("'", "\\'")  # SOQL string escapes
        found = session.get("query", params={"q": f"SELECT Id FROM Contact WHERE Email = '{quoted}'"}).json()
        answer = session.post("sobjects/Case", json={"Subject": subject, "Description": description, "Origin": "Email",
                                                     "ContactId": found["records"][0]["Id"]})
        return answer.json()["id"]

    def salesforce_comment(self, case_id, body):
        """A public CaseComment by the case contact's portal user; the org sends its Outbound Message."""
        return self.control("salesforce", "POST", "webhooks/fire", {"kind": "comment.added", "ticket_id": case_id,
                                                                    "body": body})

    def control(self, name, method, path, body=None):
        answer = requests.request(method, f"{self.servers[name].url}/_sandbox/{path}", json=body, timeout=5)
        assert answer.status_code < 400, answer.text
        return answer.json() if answer.content else None

    def set_policy(self, **changes):
        policy = yaml.safe_load((self.config / "policy.yaml").read_text())
        policy.update(changes)
        (self.config / "policy.yaml").write_text(yaml.safe_dump(policy))

    def zendesk_replies(self, ticket_id):
        """The public comments on a Zendesk ticket after the requester's own description."""
        return [c["body"] for c in self.zendesk_state(ticket_id)["comments"] if c.get("public")][1:]

    def zendesk_state(self, ticket_id):
        answer = requests.get(f"{self.servers['zendesk'].url}/_sandbox/state/ticket/{ticket_id}", timeout=5)
        return answer.json()

    def wait_for_events(self, count, timeout=15):
        from hub.db import session_scope
        from hub.models import InboundEvent

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with session_scope(self.hub.engine) as session:
                if len(session.exec(select(InboundEvent.id)).all()) >= count:
                    return
            time.sleep(0.1)
        raise AssertionError(f"fewer than {count} webhook events arrived in {timeout}s")

    def work(self, timeout=180):
        """One burst of a real `hub worker` over the queue; returns its stderr."""
        result = subprocess.run([sys.executable, "-m", "hub", "worker", "--burst", "--config-dir", str(self.config)],
                                env=self.env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stderr

    def sync_knowledge(self, *folders):
        """`hub kb sync` of the configured folders (or ``folders``) into this world's store."""
        result = subprocess.run([sys.executable, "-m", "hub", "kb", "--config-dir", str(self.config), "sync",
                                 *map(str, folders)], env=self.env, capture_output=True, text=True, timeout=300,
                                cwd=REPO)
        assert result.returncode == 0, result.stderr[-3000:]

    def session(self):
        from hub.db import session_scope

        return session_scope(self.hub.engine)

    def runs(self):
        from hub.db import session_scope
        from hub.models import Run

        with session_scope(self.hub.engine) as session:
            return session.exec(select(Run).order_by(Run.created_at)).all()

    def stop(self):
        self.web.stop()
        for server in self.servers.values():
            server.stop()
        self.hub.engine.dispose()
        if self._saved_ca_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = self._saved_ca_bundle
