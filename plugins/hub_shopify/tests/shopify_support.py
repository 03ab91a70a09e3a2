"""Helpers for the Shopify tests: the sandbox's OAuth flow and GraphQL endpoint over HTTP.

(A uniquely named module rather than conftest, so several plugins' tests can run together.)
"""

from urllib.parse import parse_qsl, urlsplit

import requests

from hub.connectors import Connector

#: The seed's relative dates are pinned so return windows and ids are the same every day.
TODAY = "2026-11-20"
CLIENT_ID, CLIENT_SECRET = "hub-shopify", "shopify-sandbox-secret"
SCOPES = "read_orders,write_orders,read_customers,read_returns,write_returns"
REDIRECT = "http://127.0.0.1:8000/connections/callback"

#: See test_conformance.py: until the core expands implied scopes through
#: Connector.granted_scopes, hub-level tests run against a sandbox that lists every scope.
HUB_SANDBOX_OPTIONS = {"today": TODAY} | (
    {} if hasattr(Connector, "granted_scopes") else {"omit_implied_scopes": False})


def authorize(base_url, scope=SCOPES, decision="allow"):
    """Drive the consent page over HTTP; return the callback's query parameters."""
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": scope,
              "state": "test-state"}
    page = requests.get(f"{base_url}/admin/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    answer = requests.post(f"{base_url}/admin/oauth/authorize", params=params, data={"decision": decision},
                           allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return dict(parse_qsl(urlsplit(answer.headers["Location"]).query))


def token(base_url, expiring=True, scope=SCOPES):
    """A token from the real authorization-code flow (``expiring=1`` as Shopify's parameter)."""
    callback = authorize(base_url, scope)
    url = f"{base_url}/admin/oauth/access_token" + ("?expiring=1" if expiring else "")
    response = requests.post(url, data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                        "code": callback["code"], "grant_type": "authorization_code",
                                        "redirect_uri": REDIRECT})
    assert response.status_code == 200, response.text
    return response.json()


def graphql(base_url, access_token, query, variables=None, version="2026-07"):
    return requests.post(f"{base_url}/admin/api/{version}/graphql.json",
                         json={"query": query, "variables": variables or {}},
                         headers={"X-Shopify-Access-Token": access_token})
