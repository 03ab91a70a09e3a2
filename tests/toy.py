"""A toy vendor and its connector plugin: the smallest real thing that exercises every hook.

The vendor is a Flask app served on a loopback port; the plugin talks to it through the
hub's VendorSession, so the tests cover the real HTTP, token and retry paths.
"""

import json
import secrets
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from hub import hookimpl
from hub.connectors import Connector, OAuthProvider
from hub.errors import WebhookRejected
from hub.ingest import Event, NormalizedTicket
from hub.signatures import hmac_sha256_base64, require_fresh, require_signature
from hub.tools import VENDOR_KEY, Identity, Tool
from hub.writes import once


class ToyVendor:
    """Issues rotating tokens, serves things, and fails on request."""

    def __init__(self, lifetime=3600):
        self.lifetime = lifetime
        self.access = {}  # token -> expiry
        self.refresh = set()
        self.faults = []  # statuses to answer with before serving normally
        self.lost_answers = []  # statuses to answer with after a write was done (its answer lost)
        self.notes, self.assigned, self.things = [], {}, {"1": {"id": "1", "name": "one"}}
        self.token_requests = 0
        self.app = self._build()

    def issue(self):
        access, refresh = secrets.token_hex(8), secrets.token_hex(8)
        self.access[access] = time.time() + self.lifetime
        self.refresh.add(refresh)
        return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": self.lifetime, "scope": "read write"}

    def _authorized(self):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return self.access.get(token, 0) > time.time()

    def _build(self):
        app = Flask("toy-vendor")

        @app.post("/oauth/token")
        def token():
            self.token_requests += 1
            form = request.form
            if form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") not in self.refresh:
                    return jsonify(error="invalid_grant", error_description="refresh token revoked"), 400
                self.refresh.discard(form["refresh_token"])  # rotation: the old one dies
            elif form.get("code") != "good-code":
                return jsonify(error="invalid_grant", error_description="bad code"), 400
            return jsonify(self.issue())

        @app.before_request
        def fault():
            if request.path.startswith("/api/") and self.faults:
                status = self.faults.pop(0)
                headers = {"Retry-After": "0"} if status == 429 else {}
                return jsonify(error=f"injected {status}"), status, headers
            if request.path.startswith("/api/") and not self._authorized():
                return jsonify(error="Couldn't authenticate you"), 401

        @app.after_request
        def lose_answer(response):
            if request.method != "GET" and response.status_code < 400 and self.lost_answers:
                return app.make_response((jsonify(error="injected after the write"), self.lost_answers.pop(0)))
            return response

        @app.get("/api/things/<thing_id>")
        def get_thing(thing_id):
            if thing_id not in self.things:
                return jsonify(error="RecordNotFound"), 404
            return jsonify(thing=self.things[thing_id])

        @app.get("/api/things")
        def list_things():
            return jsonify(things=list(self.things.values()))

        @app.post("/api/things")
        def make_thing():
            body = request.get_json()
            for thing in self.things.values():
                if thing.get("key") == body.get("key"):
                    return jsonify(thing=thing)
            thing = {"id": str(len(self.things) + 1), "name": body["name"], "key": body.get("key")}
            self.things[thing["id"]] = thing
            return jsonify(thing=thing), 201

        @app.post("/api/tickets/<ticket_id>/escalate")
        def escalate(ticket_id):  # adds a note every time: a repeat is a second note
            body = request.get_json()
            self.assigned[ticket_id] = body["group"]
            self.notes.append({"ticket": ticket_id, "body": body["note"], "public": False, "key": body.get("key")})
            return jsonify(ok=True)

        @app.get("/api/tickets/<ticket_id>/notes")
        def notes(ticket_id):
            return jsonify(notes=[n for n in self.notes if n["ticket"] == ticket_id])

        return app

    def serve(self):
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"127.0.0.1:{self.server.server_port}"

    def stop(self):
        self.server.shutdown()


class ToyConnector(Connector):
    name = "toy"
    title = "Toy Helpdesk"
    instance_label = "Subdomain"
    scopes = {"read": "Read things", "write": "Write things"}
    escalate_scopes = ("write",)


def get_thing(call):
    return call.session.get(f"/api/things/{call.arguments['id']}").json()["thing"]


def list_things(call):
    return {"things": call.session.get("/api/things").json()["things"]}


def make_thing(call):
    # The toy vendor answers a repeated key with the thing it made first: safe to send again.
    response = call.session.post("/api/things", json={"name": call.arguments["name"], "key": call.idempotency_key},
                                 idempotent=True)
    return response.json()["thing"]


def escalate(call):
    args, key = call.arguments, call.idempotency_key

    def find():
        notes = call.session.get(f"/api/tickets/{args['ticket_id']}/notes").json()["notes"]
        return next(({"assigned_to": args["group"]} for n in notes if n.get("key") == key), None)

    def write():
        call.session.post(f"/api/tickets/{args['ticket_id']}/escalate",
                          json={"group": args["group"], "note": args["note"], "key": key})
        return {"assigned_to": args["group"]}

    return once(call.session, find, write)[0]


TOOLS = [
    Tool("toy.get_thing", "toy", "lookup", "Fetch one thing.", scopes=("read",), fn=get_thing,
         input_schema={"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}},
                       "additionalProperties": False}),
    Tool("toy.list_things", "toy", "lookup", "List things.", scopes=("read",), fn=list_things),
    Tool("toy.make_thing", "toy", "action", "Make a thing.", scopes=("write",), fn=make_thing, idempotency=VENDOR_KEY,
         input_schema={"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
]


class ToyPlugin:
    """Hook implementations, as a class so a test can register and unregister an instance."""

    connector = ToyConnector()

    @hookimpl
    def register_connectors(self, register):
        register(self.connector)

    @hookimpl
    def register_tools(self, register):
        for tool in TOOLS:
            register(tool)

    @hookimpl
    def auth_provider(self, connector, instance):
        base = f"http://{instance}"
        return OAuthProvider(authorize_url=f"{base}/oauth/authorize", token_url=f"{base}/oauth/token",
                             api_base_url=base, scopes=("read", "write"))

    @hookimpl
    def auth_verify_requester(self, connector, ticket):
        return Identity(email=ticket.requester_email, verified=bool(ticket.requester_email), source="toy")

    @hookimpl
    def ingest_webhook(self, connector, request, secret, max_age_seconds):
        timestamp = request.header("X-Toy-Timestamp")
        require_signature(request.header("X-Toy-Signature"),
                          hmac_sha256_base64(secret, (timestamp or "").encode() + request.body), "X-Toy-Signature")
        require_fresh(timestamp, max_age_seconds, header="X-Toy-Timestamp")
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise WebhookRejected("body is not JSON", status=400)
        return [Event(event_id=payload["id"], kind="ticket.created",
                      ticket=NormalizedTicket(remote_id=str(payload["ticket"]), subject=payload.get("subject", "")))]

    @hookimpl
    def ingest_poll(self, connector, session, since):
        things = session.get("/api/things").json()["things"]
        return [Event(event_id=f"poll-{t['id']}", kind="ticket.updated", ticket=NormalizedTicket(remote_id=t["id"]))
                for t in things]

    @hookimpl
    def lookup(self, call):
        return call.tool.fn(call)

    @hookimpl
    def action(self, call):
        return call.tool.fn(call)

    @hookimpl
    def escalate(self, call):
        return escalate(call)


def sign(secret, body, timestamp):
    return {"X-Toy-Timestamp": timestamp, "X-Toy-Signature": hmac_sha256_base64(secret, timestamp.encode() + body)}
