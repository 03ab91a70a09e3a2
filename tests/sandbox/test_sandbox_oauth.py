"""The kit's OAuth server, driven by authlib's own client over real HTTP."""

import base64
import hashlib
import hmac
import time
from dataclasses import replace

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from sandbox_toy import CALLBACK, TOY, connect, consent, create_toy, hub_session, query

from hub.sandbox import ConsentError, give_consent


def test_authorization_code_with_pkce_then_api_call(toy):
    sandbox, server = toy
    session = hub_session()
    token = connect(server, session)
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "read write"
    assert token["expires_in"] == 3600
    assert token["refresh_token"]
    answer = session.get(server.url + "/api/v2/tickets")
    assert answer.status_code == 200
    assert answer.json()["user_id"] == 7
    assert [t["id"] for t in answer.json()["tickets"]] == [1, 2]


def test_public_client_needs_pkce_and_gets_tokens_with_it(toy):
    sandbox, server = toy
    session = hub_session(
        client_id="hub-public", secret=None, scope="read", token_endpoint_auth_method="none"
    )
    token = connect(server, session)
    assert token["access_token"] and token["scope"] == "read"

    # Without a code_challenge, a public client's code cannot be redeemed.
    bare = OAuth2Session(
        "hub-public", scope="read", redirect_uri=CALLBACK, token_endpoint_auth_method="none"
    )
    url, _ = bare.create_authorization_url(server.url + "/oauth/authorizations/new")
    with pytest.raises(OAuthError, match="code_verifier"):
        bare.fetch_token(server.url + "/oauth/tokens", authorization_response=consent(url))


def test_wrong_code_verifier_is_invalid_grant(toy):
    _, server = toy
    session = hub_session()
    url, _ = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=generate_token(48)
    )
    with pytest.raises(OAuthError) as error:
        session.fetch_token(
            server.url + "/oauth/tokens",
            authorization_response=consent(url),
            code_verifier=generate_token(48),
        )
    assert error.value.error == "invalid_grant"


def test_consent_page_names_client_scopes_and_user(toy):
    _, server = toy
    url, _ = hub_session().create_authorization_url(server.url + "/oauth/authorizations/new")
    page = requests.get(url)
    assert page.headers["Content-Type"].startswith("text/html")
    for expected in (
        'id="allow"',
        'id="deny"',
        "helpdesk-hub (confidential)",
        "<li>read</li>",
        "<li>write</li>",
        "Signed in as Ada Admin (ada@example.com)",
    ):
        assert expected in page.text


def test_denied_consent_redirects_with_access_denied(toy):
    _, server = toy
    url, state = hub_session().create_authorization_url(server.url + "/oauth/authorizations/new")
    callback = consent(url, decision="deny")
    assert callback.startswith(CALLBACK)
    assert query(callback) == {
        "error": "access_denied",
        "error_description": query(callback)["error_description"],
        "state": state,
    }


def test_replayed_code_is_invalid_grant_and_revokes_its_tokens(toy):
    _, server = toy
    session = hub_session()
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=verifier
    )
    callback = consent(url)
    token = session.fetch_token(
        server.url + "/oauth/tokens", authorization_response=callback, code_verifier=verifier
    )
    with pytest.raises(OAuthError) as error:
        session.fetch_token(
            server.url + "/oauth/tokens", authorization_response=callback, code_verifier=verifier
        )
    assert error.value.error == "invalid_grant"
    answer = requests.get(
        server.url + "/api/v2/tickets", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert answer.status_code == 401
    assert answer.json() == {"error": "Couldn't authenticate you", "reason": "revoked"}


def test_expired_code_is_invalid_grant(serve):
    server = serve(create_toy(code_ttl=1))
    session = hub_session()
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=verifier
    )
    callback = consent(url)
    time.sleep(1.1)
    with pytest.raises(OAuthError) as error:
        session.fetch_token(
            server.url + "/oauth/tokens", authorization_response=callback, code_verifier=verifier
        )
    assert error.value.error == "invalid_grant"


def test_refresh_rotates_and_invalidates_the_old_pair(toy):
    _, server = toy
    session = hub_session()
    first = dict(connect(server, session))
    second = session.refresh_token(server.url + "/oauth/tokens")
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "read write"

    old = requests.get(
        server.url + "/api/v2/tickets", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert old.status_code == 401
    assert session.get(server.url + "/api/v2/tickets").status_code == 200
    with pytest.raises(OAuthError) as error:
        session.refresh_token(server.url + "/oauth/tokens", refresh_token=first["refresh_token"])
    assert error.value.error == "invalid_grant"


def test_short_lived_access_token_expires_and_client_refreshes_itself(serve):
    server = serve(create_toy(access_token_ttl=1))
    saved = []
    session = hub_session(
        token_endpoint=server.url + "/oauth/tokens",
        leeway=0,
        update_token=lambda token, **_: saved.append(token),
    )
    token = connect(server, session)
    assert token["expires_in"] == 1
    time.sleep(1.1)
    stale = requests.get(
        server.url + "/api/v2/tickets", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert stale.status_code == 401 and stale.json()["reason"] == "expired"
    # authlib's session notices the expiry, refreshes, and hands the rotated pair to update_token.
    assert session.get(server.url + "/api/v2/tickets").status_code == 200
    assert len(saved) == 1 and saved[0]["refresh_token"] != token["refresh_token"]


def test_expired_refresh_token_is_invalid_grant(serve):
    server = serve(create_toy(refresh_token_ttl=1))
    session = hub_session()
    connect(server, session)
    time.sleep(1.1)
    with pytest.raises(OAuthError) as error:
        session.refresh_token(server.url + "/oauth/tokens")
    assert error.value.error == "invalid_grant"


def test_rfc7009_revocation_endpoint(toy):
    _, server = toy
    session = hub_session()
    token = connect(server, session)
    assert (
        session.revoke_token(server.url + "/oauth/revoke", token["refresh_token"]).status_code
        == 200
    )
    with pytest.raises(OAuthError):
        session.refresh_token(server.url + "/oauth/tokens")
    assert session.get(server.url + "/api/v2/tickets").status_code == 401


def test_missing_token_and_insufficient_scope_use_the_vendor_error_body(toy):
    _, server = toy
    assert requests.get(server.url + "/api/v2/tickets").json() == {
        "error": "Couldn't authenticate you",
        "reason": "missing",
    }
    session = hub_session(scope="tickets:read")
    connect(server, session)
    assert (
        session.get(server.url + "/api/v2/tickets").status_code == 200
    )  # any one listed scope suffices
    answer = session.post(server.url + "/api/v2/tickets", json={"ticket": {"subject": "x"}})
    assert answer.status_code == 403
    assert answer.json()["reason"] == "insufficient_scope"


def test_scope_beyond_the_client_allowance_is_invalid_scope(toy):
    _, server = toy
    url, state = hub_session(
        client_id="hub-public", secret=None, scope="read write"
    ).create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=generate_token(48)
    )
    answer = requests.get(url, allow_redirects=False)
    assert answer.status_code == 302
    assert query(answer.headers["Location"])["error"] == "invalid_scope"


def test_unregistered_redirect_uri_is_refused_without_redirecting(toy):
    _, server = toy
    session = OAuth2Session(
        "hub-confidential", "confidential-secret", redirect_uri="http://evil.example/cb"
    )
    url, _ = session.create_authorization_url(server.url + "/oauth/authorizations/new")
    answer = requests.get(url, allow_redirects=False)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_json_token_body_vendor_rejects_form_requests(serve):
    server = serve(create_toy(token_body="json", token_status=201))
    session = hub_session()
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=verifier
    )
    code = query(consent(url))["code"]
    form = requests.post(
        server.url + "/oauth/tokens",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "hub-confidential",
            "client_secret": "confidential-secret",
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )
    assert form.status_code == 400
    assert "must be JSON" in form.json()["error_description"]
    answer = requests.post(
        server.url + "/oauth/tokens",
        json={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "hub-confidential",
            "client_secret": "confidential-secret",
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
            "scope": "read",
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["access_token"]


def shop_callback_params(params, client):
    """Shopify-style: add shop and timestamp, then an HMAC over the sorted query."""
    extra = {"shop": "acme.myshopify.com", "timestamp": "1700000000"}
    message = "&".join(f"{k}={v}" for k, v in sorted({**params, **extra}.items()))
    extra["hmac"] = hmac.new(
        client.client_secret.encode(), message.encode(), hashlib.sha256
    ).hexdigest()
    return extra


def test_shopify_style_comma_scopes_custom_header_and_signed_callback(serve):
    oauth = replace(
        TOY.oauth,
        scope_separator=",",
        token_header="X-Shopify-Access-Token",
        token_body="any",
        extra_callback_params=shop_callback_params,
    )
    server = serve(create_toy(replace(TOY, oauth=oauth)))
    session = hub_session(scope="read,write")
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=verifier
    )
    page = requests.get(url)
    assert "<li>read</li>" in page.text and "<li>write</li>" in page.text
    callback = query(consent(url))
    signed = {k: v for k, v in callback.items() if k != "hmac"}
    message = "&".join(f"{k}={v}" for k, v in sorted(signed.items()))
    assert callback["shop"] == "acme.myshopify.com"
    assert (
        callback["hmac"]
        == hmac.new(b"confidential-secret", message.encode(), hashlib.sha256).hexdigest()
    )

    token = requests.post(
        server.url + "/oauth/tokens",
        json={
            "client_id": "hub-confidential",
            "client_secret": "confidential-secret",
            "code": callback["code"],
            "grant_type": "authorization_code",
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    ).json()
    assert token["scope"] == "read,write"
    api = server.url + "/api/v2/tickets"
    assert (
        requests.get(api, headers={"X-Shopify-Access-Token": token["access_token"]}).status_code
        == 200
    )
    assert (
        requests.get(api, headers={"Authorization": f"Bearer {token['access_token']}"}).status_code
        == 401
    )


def salesforce_shape(response, token, client):
    issued_at = str(int(token.issued_at * 1000))
    identity = f"https://login.example/id/00D/{token.user.id}"
    signature = hmac.new(
        client.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
    ).digest()
    return {
        **response,
        "instance_url": "https://127.0.0.1",
        "id": identity,
        "issued_at": issued_at,
        "signature": base64.b64encode(signature).decode(),
    }


def test_token_response_can_drop_expires_in_and_gain_vendor_fields(serve):
    oauth = replace(TOY.oauth, include_expires_in=False, shape_token_response=salesforce_shape)
    server = serve(create_toy(replace(TOY, oauth=oauth)))
    token = connect(server, hub_session())
    assert "expires_in" not in token
    assert token["instance_url"] == "https://127.0.0.1"
    assert token["id"].endswith("/7")
    assert token["signature"]


def test_password_grant_for_clients_that_list_it(toy):
    _, server = toy
    session = hub_session("hub-service", "service-secret", scope="read")
    token = session.fetch_token(
        server.url + "/oauth/tokens", username="ada.admin", password="correct-horse"
    )
    assert token["refresh_token"] and token["scope"] == "read"
    assert session.get(server.url + "/api/v2/tickets").json()["user_id"] == 7
    with pytest.raises(OAuthError) as wrong:
        hub_session("hub-service", "service-secret").fetch_token(
            server.url + "/oauth/tokens", username="ada.admin", password="wrong"
        )
    assert "Invalid 'username' or 'password'" in wrong.value.description
    with pytest.raises(OAuthError) as not_listed:
        hub_session().fetch_token(
            server.url + "/oauth/tokens", username="ada.admin", password="correct-horse"
        )
    assert not_listed.value.error == "unauthorized_client"


def test_client_credentials_grant_acts_as_the_seeded_user(toy):
    _, server = toy
    session = hub_session("hub-service", "service-secret", scope="read")
    token = session.fetch_token(server.url + "/oauth/tokens", grant_type="client_credentials")
    assert "refresh_token" not in token
    assert session.get(server.url + "/api/v2/tickets").json()["user_id"] == 7


def test_vendor_may_waive_redirect_uri_on_the_code_exchange(serve):
    for required, expected_status in ((True, 400), (False, 200)):
        server = serve(create_toy(token_requires_redirect_uri=required))
        session = hub_session()
        verifier = generate_token(48)
        url, _ = session.create_authorization_url(
            server.url + "/oauth/authorizations/new", code_verifier=verifier
        )
        code = query(consent(url))["code"]
        answer = requests.post(
            server.url + "/oauth/tokens",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": "hub-confidential",
                "client_secret": "confidential-secret",
                "code_verifier": verifier,
            },
        )
        assert answer.status_code == expected_status, answer.text


def test_non_rotating_refresh_keeps_the_refresh_token_and_revocation_takes_the_family(serve):
    server = serve(create_toy(rotate_refresh_tokens=False))
    session = hub_session()
    first = dict(connect(server, session))
    second = session.refresh_token(
        server.url + "/oauth/tokens", refresh_token=first["refresh_token"]
    )
    assert (
        "refresh_token"
        not in requests.post(
            server.url + "/oauth/tokens",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            auth=("hub-confidential", "confidential-secret"),
        ).json()
    )
    api = server.url + "/api/v2/tickets"
    for token in (first, second):
        assert (
            requests.get(
                api, headers={"Authorization": f"Bearer {token['access_token']}"}
            ).status_code
            == 200
        )

    revoked = requests.post(
        server.url + "/_sandbox/tokens/revoke", json={"token": first["refresh_token"]}
    ).json()
    assert revoked == {"revoked": 3}  # the original pair and both refreshed access tokens
    for token in (first, second):
        assert (
            requests.get(
                api, headers={"Authorization": f"Bearer {token['access_token']}"}
            ).status_code
            == 401
        )
    with pytest.raises(OAuthError):
        session.refresh_token(server.url + "/oauth/tokens", refresh_token=first["refresh_token"])


def test_consent_helper_reports_what_went_wrong(toy):
    _, server = toy
    with pytest.raises(ValueError, match="'allow' or 'deny'"):
        give_consent(server.url + "/oauth/authorizations/new", decision="maybe")
    unknown_client = server.url + "/oauth/authorizations/new?response_type=code&client_id=nobody"
    with pytest.raises(ConsentError, match="no consent page at .* 400 .*invalid_client"):
        give_consent(unknown_client)
    with pytest.raises(ConsentError, match="without a consent form"):
        give_consent(server.url + "/_sandbox/")
