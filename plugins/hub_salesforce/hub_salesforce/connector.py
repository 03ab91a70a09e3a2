"""What the Salesforce Service Cloud connector declares: instances, OAuth, errors, subscription.

Salesforce differs from the other vendors in three ways the core meets here: the token
response names the org's API host (``instance_url``) instead of the hub knowing it up front;
errors are JSON arrays and the API limit is signalled by 403 ``REQUEST_LIMIT_EXCEEDED``
rather than 429; and push arrives as Outbound Messages that carry no signature, so what the
hub keeps per connection to check them is the org id rather than a shared secret.
"""

import re
from urllib.parse import urlsplit

from hub.connectors import Connector, OAuthProvider
from hub.errors import ConnectorError, RateLimited

from . import ingest
from .ingest import ACKNOWLEDGEMENT
from .tools import RECORD_ID

API_VERSION = "67.0"  # Summer '26
API_PATH = f"/services/data/v{API_VERSION}/"

#: The identity URL in the token response: https://login.salesforce.com/id/{orgId}/{userId}
IDENTITY_URL = re.compile(r"/id/(?P<org>00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)/(?P<user>005[A-Za-z0-9]{12,15})/?$")

#: Instances that are Salesforce's shared login hosts rather than an org's My Domain.
LOGIN_HOSTS = {"login": "login.salesforce.com", "test": "test.salesforce.com"}


class SalesforceConnector(Connector):
    name = "salesforce"
    title = "Salesforce Service Cloud"
    instance_label = "My Domain"
    instance_example = "acme"
    instance_hint = "the name before .my.salesforce.com, such as acme for acme.my.salesforce.com"
    # "acme" -> https://acme.my.salesforce.com; "login" and "test" name the shared login hosts.
    instance_pattern = r"[a-z0-9][a-z0-9-]{0,62}"
    scopes = {
        "api": "Read and write Cases, Contacts, CaseComments, queues and Knowledge through the REST API.",
        "refresh_token": "Stay connected: a refresh token (same as offline_access).",
    }
    escalate_scopes = ("api",)
    requester_scopes = ("api",)
    push = True
    # Outbound Messages carry no signature: each is a notification the worker checks with the
    # org's REST API (read_back), delivered to a hook URL that ends in the connection's secret.
    signed_push = False
    sandbox = "hub_salesforce.sandbox:create_sandbox"
    sandbox_driver = "hub_salesforce.sandbox.driver:SalesforceDriver"
    article_page = "{origin}/lightning/r/Knowledge__kav/{id}/view"

    def ticket_call(self, verb, ticket_id, text=None):
        """Replies are published CaseComments, notes unpublished ones; a solved case is Closed."""
        calls = {
            "reply": ("salesforce.comment", {"case_id": ticket_id, "body": text}),
            "note": ("salesforce.add_note", {"case_id": ticket_id, "body": text}),
            "solve": ("salesforce.set_status", {"case_id": ticket_id, "status": "Closed"}),
        }
        return calls.get(verb) or super().ticket_call(verb, ticket_id, text)

    def read_back(self, session, event):
        """The case (and comment) an Outbound Message names, as the org has them."""
        return ingest.read_back(session, event)

    def comment_by_requester(self, session, ticket, comment):
        """An Outbound Message for a CaseComment names only the user who wrote it: the customer
        did when that user is the Experience Cloud user of the case's Contact. Internal users
        (agents, and the hub's own integration user) have no Contact."""
        author = str(comment.get("author") or "")
        if not RECORD_ID.fullmatch(author) or not RECORD_ID.fullmatch(str(ticket.remote_id or "")):
            return False
        user = session.get(f"sobjects/User/{author}", params={"fields": "Id,ContactId"}).json()
        if not user.get("ContactId"):
            return False
        case = session.get(f"sobjects/Case/{ticket.remote_id}", params={"fields": "Id,ContactId"}).json()
        # 15- and 18-character forms of one id share their first 15 characters.
        return str(case.get("ContactId") or "")[:15] == user["ContactId"][:15]

    def provider(self, instance):
        """The OAuth provider for a validated instance (a sandbox is served over the kit's TLS)."""
        if self.is_sandbox(instance):
            host = instance
        else:
            host = LOGIN_HOSTS.get(instance, f"{instance}.my.salesforce.com")
        base = f"https://{host}"
        return OAuthProvider(
            authorize_url=f"{base}/services/oauth2/authorize",
            token_url=f"{base}/services/oauth2/token",
            revoke_url=f"{base}/services/oauth2/revoke",
            # Replaced on connect by the token's instance_url (see api_base_url).
            api_base_url=base + API_PATH,
            scopes=tuple(self.scopes),
            pkce=True,
        )

    def api_base_url(self, provider, token):
        """The org's API host comes from the token response, not from what the operator typed
        (a login.salesforce.com sign-in lands on the org's own My Domain)."""
        instance_url = (token or {}).get("instance_url") or ""
        if urlsplit(instance_url).scheme != "https":
            return provider.api_base_url
        return instance_url.rstrip("/") + API_PATH

    def subscribe(self, session, target_url, connection, credentials):
        """Return the org id deliveries must name; point a sandbox's sender at the hub.

        Outbound Messages are configured in Setup (Flow or Workflow "Outbound Message" action),
        not through the API, so for a real org nothing is registered here; the README says how.
        They carry no signature: the check the hub can make is that each message names the
        connected org, so the org id is what the hub keeps in place of a signing secret.
        """
        org_id = organization_id(session.token)
        if org_id is None:
            raise ConnectorError(self.name, "the token response carried no identity URL naming the org")
        if self.is_sandbox(connection.instance):
            session.post(f"https://{connection.instance}/_sandbox/webhooks", json={"url": target_url, "secret": ""},
                         idempotent=True)
        return org_id

    def webhook_response(self, request, events):
        """Salesforce retries an Outbound Message until it reads ``<Ack>true</Ack>``."""
        if request.body.lstrip().startswith(b"<"):
            return ACKNOWLEDGEMENT, 200, {"Content-Type": "text/xml; charset=utf-8"}
        return '{"accepted": true}', 200, {"Content-Type": "application/json"}

    # -- how Salesforce speaks over HTTP --------------------------------------------------

    def check_response(self, response):
        if response.status_code == 403:
            message, code = self.error_message(response)
            if code == "REQUEST_LIMIT_EXCEEDED":
                # No Retry-After: the shared policy's backoff decides the wait.
                raise RateLimited(self.name, message, None, 403, code)
            raise ConnectorError(self.name, message, 403, code)
        return super().check_response(response)

    def error_message(self, response):
        """Salesforce errors are a JSON array of ``{"message", "errorCode", "fields"}``."""
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        if isinstance(body, dict):  # OAuth endpoints answer {"error", "error_description"}
            body = [{"message": body.get("error_description") or body.get("error"), "errorCode": body.get("error")}]
        if not isinstance(body, list) or not body or not all(isinstance(item, dict) for item in body):
            return super().error_message(response)
        messages = []
        for item in body:
            message = str(item.get("message") or "")
            fields = item.get("fields") or []
            messages.append(f"{message} (fields: {', '.join(map(str, fields))})" if fields else message)
        return "; ".join(m for m in messages if m)[:500] or "error", body[0].get("errorCode")


def organization_id(token):
    """The 18-character org id named by a token response's identity URL, or None."""
    match = IDENTITY_URL.search(urlsplit(str((token or {}).get("id") or "")).path)
    return match.group("org") if match else None
