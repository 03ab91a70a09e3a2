"""A local Salesforce Service Cloud org on the shared sandbox kit (hub.sandbox), served over
HTTPS because simple-salesforce hard-codes ``https://``.

``create_sandbox(**options)`` returns a ``hub.sandbox.Sandbox``; options override the OAuth
settings (``access_token_ttl=5``, ``rotate_refresh_tokens=True``...) and ``seed=`` swaps the
seed file. What the seed holds is described at the top of seed.yaml.
"""

import base64
from importlib.resources import files

import flask

from hub.sandbox import OAuthSettings, Sandbox, VendorSpec
from hub.signatures import hmac_sha256

from . import api, control, errors
from .records import Org

SEED = files(__package__) / "seed.yaml"


def create_sandbox(seed=None, **oauth_options):
    holder = {}

    def shape_token_response(response, token, client):
        """Salesforce's token JSON: no expires_in; instance_url, id, issued_at and signature."""
        org = holder["org"]
        base = flask.request.host_url.rstrip("/")
        identity = f"{base}/id/{org.organization_id}/{token.user.id}"
        issued_at = str(int(token.issued_at * 1000))
        shaped = {"access_token": response["access_token"]}
        if response.get("refresh_token"):
            shaped["refresh_token"] = response["refresh_token"]
        shaped.update({
            # base64(HMAC-SHA256(consumer secret, id + issued_at)): lets a client check the
            # identity URL came from the server that knows its secret.
            "signature": base64.b64encode(hmac_sha256(client.client_secret or "", identity + issued_at)).decode(),
            "scope": response.get("scope", ""),
            "instance_url": base,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        })
        return shaped

    settings = dict(
        authorize_path="/services/oauth2/authorize",
        token_path="/services/oauth2/token",
        revoke_path="/services/oauth2/revoke",
        token_body="form",
        include_expires_in=False,
        # The session timeout (2 hours by default); expiry shows as 401 INVALID_SESSION_ID.
        access_token_ttl=7200,
        # Refresh tokens stay valid until revoked and are not rotated unless the connected
        # app's rotation policy says so.
        refresh_token_ttl=None,
        rotate_refresh_tokens=False,
        shape_token_response=shape_token_response,
    )
    settings.update(oauth_options)
    spec = VendorSpec(
        name="salesforce",
        seed=SEED,
        render_rate_limit=errors.render_rate_limit,
        render_auth_error=errors.render_auth_error,
        render_server_error=errors.render_server_error,
        render_http_error=errors.render_http_error,
        oauth=OAuthSettings(**settings),
        # Salesforce retries unacknowledged Outbound Messages with growing gaps for 24 hours.
        webhook_retry_delays=(1, 2, 4, 8),
        tls=True,
    )
    sandbox = Sandbox(spec, seed=seed)
    holder["org"] = org = Org(sandbox)
    api.install(sandbox, org)
    control.install(sandbox, org)
    return sandbox
