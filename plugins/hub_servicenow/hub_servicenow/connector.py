"""What the hub needs to know about ServiceNow: instances, OAuth, scopes, errors, push setup."""

import re
import secrets
import time

from hub.connectors import Connector, OAuthProvider, retry_after_seconds
from hub.errors import RateLimited

SCOPE = "useraccount"


class ServiceNow(Connector):
    name = "servicenow"
    title = "ServiceNow"
    instance_label = "Instance name"
    instance_example = "acme"
    instance_hint = "the name before .service-now.com, such as acme for acme.service-now.com"
    # The "acme" of https://acme.service-now.com.
    instance_pattern = r"[a-z0-9][a-z0-9-]{0,62}"
    # ServiceNow's OAuth grants one built-in scope. Finer "REST API auth scopes" exist only as
    # names an admin defines on the instance, so the connector cannot declare them in advance.
    scopes = {SCOPE: "Act as the ServiceNow user who authorised the hub, within that user's roles and ACLs"}
    escalate_scopes = (SCOPE,)
    requester_scopes = (SCOPE,)
    # Pushes arrive once the customer installs the business rule (see README); until then, and
    # as a safety net, ingest_poll reads changes through the Table API.
    push = True
    sandbox = "hub_servicenow.sandbox:create_sandbox"
    sandbox_driver = "hub_servicenow.sandbox.driver:ServiceNowDriver"
    article_page = "{origin}/kb_view.do?sysparm_article={number}"

    def validate_instance(self, instance, sandbox_mode=False):
        # Operators often paste the whole address; the instance name is its first label.
        typed = (instance or "").strip().lower()
        typed = re.sub(r"^https://", "", typed).rstrip("/")
        typed = re.sub(r"\.service-now\.com$", "", typed)
        return super().validate_instance(typed, sandbox_mode)

    def base_url(self, instance):
        if self.is_sandbox(instance):
            return f"http://{instance}"
        return f"https://{instance}.service-now.com"

    def ticket_call(self, verb, ticket_id, text=None):
        """Replies are additional comments (the caller sees them), notes work notes; solving
        resolves the incident with a close code and the resolution text as close notes."""
        calls = {
            "reply": ("servicenow.comment", {"incident": ticket_id, "text": text}),
            "note": ("servicenow.work_note", {"incident": ticket_id, "text": text}),
            "solve": ("servicenow.resolve", {"incident": ticket_id, "close_code": "Solution provided",
                                             "close_notes": text or "Resolved by the helpdesk-hub agent."}),
        }
        return calls.get(verb) or super().ticket_call(verb, ticket_id, text)

    def provider(self, instance):
        base = self.base_url(instance)
        return OAuthProvider(
            authorize_url=f"{base}/oauth_auth.do",
            token_url=f"{base}/oauth_token.do",
            revoke_url=f"{base}/oauth_revoke_token.do",
            api_base_url=f"{base}/",
            scopes=(SCOPE,),
            pkce=True,
        )

    def subscribe(self, session, target_url, connection, credentials):
        """Instances cannot be told about a webhook through the API: generate the signing secret
        the admin pastes into the business rule's system property (README). A sandbox instance
        is configured here as well, through its control API."""
        secret = secrets.token_urlsafe(32)
        if self.is_sandbox(connection.instance):
            session.post("_sandbox/webhooks", json={"url": target_url, "secret": secret}, idempotent=True)
        return secret

    def check_response(self, response):
        if response.status_code == 429:
            message, code = self.error_message(response)
            raise RateLimited(self.name, message, rate_limit_wait(response), 429, code)
        return super().check_response(response)

    def error_message(self, response):
        """ServiceNow errors are ``{"error": {"message", "detail"}, "status": "failure"}``."""
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        if not isinstance(error, dict):
            return super().error_message(response)
        message = str(error.get("message") or response.reason or "error")
        detail = error.get("detail")
        return (f"{message}: {str(detail).strip()}" if detail else message)[:500], None


def rate_limit_wait(response):
    """Seconds to wait after a 429: Retry-After, else until X-RateLimit-Reset (epoch seconds)."""
    wait = retry_after_seconds(response)
    if wait is not None:
        return wait
    reset = response.headers.get("X-RateLimit-Reset", "")
    return max(0.0, int(reset) - time.time()) if reset.isdigit() else None
