"""What the Zendesk Support connector declares: instance, scopes, OAuth URLs, error signals,
and registering the hub's webhook."""

from hub.connectors import Connector, OAuthProvider
from hub.errors import ConnectorError
from hub.writes import once

#: Event types the hub subscribes its webhook to.
SUBSCRIPTIONS = (
    "zen:event-type:ticket.created",
    "zen:event-type:ticket.comment_added",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.priority_changed",
    "zen:event-type:ticket.group_assignment_changed",
    "zen:event-type:ticket.agent_assignment_changed",
    "zen:event-type:ticket.tags_changed",
)


class ZendeskConnector(Connector):
    name = "zendesk"
    title = "Zendesk Support"
    instance_label = "Subdomain"
    instance_example = "acme"
    instance_hint = "the name before .zendesk.com, such as acme for acme.zendesk.com"
    instance_pattern = r"[a-z0-9][a-z0-9-]{0,62}"
    scopes = {
        "read": "Read groups (Zendesk has no resource scope for them) and everything else the hub reads",
        "tickets:read": "Read tickets and their comments",
        "tickets:write": "Reply, add internal notes, change status, tags and group",
        "users:read": "Find requesters by email and check that their email is verified",
        "hc:read": "Read and search Help Center articles for the knowledge base",
        "webhooks:write": "Register the hub's webhook and read its signing secret",
    }
    escalate_scopes = ("read", "tickets:read", "tickets:write")
    requester_scopes = ("tickets:read", "users:read")
    push = True
    sandbox = "hub_zendesk.sandbox:create_sandbox"
    sandbox_driver = "hub_zendesk.sandbox.driver:ZendeskDriver"

    def ticket_call(self, verb, ticket_id, text=None):
        """Replies are public comments, notes private ones; "solved" is Zendesk's resolved state."""
        calls = {
            "reply": ("zendesk.reply", {"ticket_id": ticket_id, "body": text}),
            "note": ("zendesk.add_note", {"ticket_id": ticket_id, "body": text}),
            "solve": ("zendesk.set_status", {"ticket_id": ticket_id, "status": "solved"}),
        }
        return calls.get(verb) or super().ticket_call(verb, ticket_id, text)

    def provider(self, instance):
        """OAuth facts for a subdomain, or for a loopback sandbox ("127.0.0.1:PORT")."""
        root = f"http://{instance}" if self.is_sandbox(instance) else f"https://{instance}.zendesk.com"
        return OAuthProvider(
            authorize_url=f"{root}/oauth/authorizations/new",
            token_url=f"{root}/oauth/tokens",
            api_base_url=f"{root}/api/v2/",
            scopes=tuple(self.scopes),
            revoke_url=None,  # Zendesk revokes with DELETE /api/v2/oauth/tokens/{id}, not RFC 7009
            pkce=True,
            token_request_format="json",
        )

    def subscribe(self, session, target_url, connection, credentials):
        """Register the webhook once: a webhook already pointing at ``target_url`` (from a
        reconnect, or an attempt whose answer was lost) is the one to use."""

        def find():
            # The first page (100) is plenty: an account holds a handful of webhooks.
            hooks = document(session.get("webhooks", params={"page[size]": 100})).get("webhooks") or []
            return next((str(w["id"]) for w in hooks if w.get("endpoint") == target_url), None)

        def write():
            return member(session.post("webhooks", json={"webhook": {
                "name": f"helpdesk-hub ({connection.id})",
                "description": "Ticket events for the helpdesk-hub resolution agent",
                "endpoint": target_url,
                "http_method": "POST",
                "request_format": "json",
                "status": "active",
                "subscriptions": list(SUBSCRIPTIONS),
            }}), "webhook", "id")

        webhook_id, _ = once(session, find, write)
        return member(session.get(f"webhooks/{webhook_id}/signing_secret"), "signing_secret", "secret")

    def error_message(self, response):
        """Zendesk's ``{"error", "description", "details"}`` (``error`` may itself be an object
        on OAuth routes, and newer APIs answer ``{"errors": [...]}``); 429s are plain text."""
        try:
            body = response.json()
        except ValueError:
            return (response.text or response.reason or "error").strip()[:500], None
        if not isinstance(body, dict):
            return str(body)[:500], None
        if isinstance(body.get("errors"), list) and body["errors"]:
            first = body["errors"][0]
            if isinstance(first, dict):
                return str(first.get("detail") or first.get("title") or first)[:500], first.get("code")
            return str(first)[:500], None
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("title") or error)[:500], error.get("title")
        description = body.get("description") or body.get("error_description")
        message = description or error or response.reason or "error"
        details = body.get("details")
        if isinstance(details, dict):
            reasons = [item.get("description") for items in details.values() if isinstance(items, list)
                       for item in items if isinstance(item, dict) and item.get("description")]
            if reasons:
                message = f"{message}: {'; '.join(reasons)}"
        # ``error`` is a label ("RecordNotFound") when a description follows, else the message itself.
        return str(message)[:500], error if isinstance(error, str) and description else None


def document(response):
    """The JSON object a successful answer holds, or a ConnectorError saying it is not one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ConnectorError(ZendeskConnector.name, f"{response.request.method} {response.url} answered "
                             f"{response.status_code} without a JSON object", response.status_code)
    return body


def member(response, *keys):
    """``document(response)[keys[0]][keys[1]]...``, or a ConnectorError naming what is missing."""
    value = document(response)
    try:
        for key in keys:
            value = value[key]
    except (KeyError, IndexError, TypeError):
        raise ConnectorError(ZendeskConnector.name, f"{response.request.method} {response.url} answered "
                             f"without {'.'.join(str(k) for k in keys)}", response.status_code) from None
    return value
