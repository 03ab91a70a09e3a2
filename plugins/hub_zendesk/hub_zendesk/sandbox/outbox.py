"""Which ticket events leave the sandbox, to where, and signed with which secret.

Webhooks created through ``POST /api/v2/webhooks`` point the kit's dispatcher at their
endpoint with their own signing secret and send only the event types they subscribe to; a
target set through the control API (``POST /_sandbox/webhooks``) receives every event.
"""

import datetime
import uuid

from . import events

SAMPLE_KINDS = {
    "ticket.created": "ticket.created",
    "comment.added": "ticket.comment_added",
    "ticket.comment_added": "ticket.comment_added",
    "ticket.status_changed": "ticket.status_changed",
}


class Outbox:
    def __init__(self, sandbox=None):
        self.sandbox = sandbox
        #: raw body -> seconds its signature is backdated by (``fire`` with ``age_seconds``).
        self.backdated = {}
        self._managed = False

    def sign(self, body, secret):
        """The kit calls this for every delivery attempt: a fresh timestamp unless backdated."""
        age = self.backdated.get(body, 0)
        when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=age)
        return events.signed_headers(body, secret, when)

    def follow_webhooks(self):
        """Point the dispatcher at the newest active API webhook (call under the lock)."""
        active = [w for w in self.sandbox.data.get("webhooks", []) if w["status"] == "active"]
        if active:
            self.sandbox.webhooks.configure(active[-1]["endpoint"], active[-1]["secret"])
            self._managed = True
        elif self._managed:
            self.sandbox.webhooks.disable()
            self._managed = False

    def _target_webhook(self):
        target = self.sandbox.webhooks.target
        if target is None:
            return None
        return next((w for w in self.sandbox.data.get("webhooks", [])
                     if w["status"] == "active" and (w["endpoint"], w["secret"]) == (target["url"], target["secret"])),
                    None)

    def _headers(self, hook):
        return {
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Webhook-Id": hook["id"] if hook else "sandbox",
            "X-Zendesk-Webhook-Invocation-Id": uuid.uuid4().hex,
        }

    def publish(self, ticket, changes, actor_id):
        """Send the events one ticket write caused (call under the lock)."""
        if self.sandbox.webhooks.target is None:
            return
        data = self.sandbox.data
        if changes and changes[0][0] == "created":
            envelopes = [events.envelope(data["account"]["id"], "ticket.created", ticket, actor_id)]
        else:
            envelopes = events.change_events(data, ticket, changes, actor_id)
        hook = self._target_webhook()
        for body in envelopes:
            if hook is None or body["type"] in hook["subscriptions"]:
                self.sandbox.emit(events.encode(body), self._headers(hook))

    def sample(self, kind, ticket, age_seconds=0):
        """``(body bytes, headers)`` of one signed delivery, built but not sent."""
        target = self.sandbox.webhooks.target
        body = events.encode(self._event(kind, ticket))
        when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=age_seconds)
        headers = {"Content-Type": "application/json", **self._headers(self._target_webhook())}
        headers.update(events.signed_headers(body, target["secret"], when))
        return body, headers

    def fire(self, kind, ticket, age_seconds=0):
        body = events.encode(self._event(kind, ticket))
        if age_seconds:
            self.backdated[body] = age_seconds
        return self.sandbox.emit(body, self._headers(self._target_webhook()))

    def _event(self, kind, ticket):
        data = self.sandbox.data
        zendesk_kind = SAMPLE_KINDS[kind]
        event = {}
        if zendesk_kind == "ticket.comment_added":
            comments = [c for c in ticket["comments"] if c["public"]] or ticket["comments"]
            event = events.comment_event(data, comments[-1])
        elif zendesk_kind == "ticket.status_changed":
            event = {"current": ticket["status"].upper(), "previous": None}
        return events.envelope(data["account"]["id"], zendesk_kind, ticket, ticket["requester_id"], event)
