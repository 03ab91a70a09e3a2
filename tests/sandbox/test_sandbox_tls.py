"""The local CA: generated once, reused, replaced when broken, trusted by requests."""

import ssl
import urllib.request

import pytest
import requests
from authlib.common.security import generate_token
from sandbox_toy import create_toy, hub_session

from hub.sandbox import ensure_certificates, give_consent


def test_generated_once_then_reused(tmp_path):
    first = ensure_certificates(tmp_path / "tls")
    contents = [path.read_bytes() for path in (first.ca, first.cert, first.key)]
    assert all(content.startswith(b"-----BEGIN") for content in contents)
    again = ensure_certificates(tmp_path / "tls")
    assert [path.read_bytes() for path in (again.ca, again.cert, again.key)] == contents
    assert oct(first.key.stat().st_mode & 0o777) == "0o600"


def test_a_broken_set_is_replaced(tmp_path):
    files = ensure_certificates(tmp_path / "tls")
    old_ca = files.ca.read_bytes()
    files.cert.write_text("garbage")
    fixed = ensure_certificates(tmp_path / "tls")
    assert fixed.ca.read_bytes() != old_ca
    assert fixed.cert.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_https_sandbox_verified_by_requests_with_the_local_ca(serve, tmp_path):
    files = ensure_certificates(tmp_path / "tls")
    server = serve(create_toy(), tls=files)
    assert server.url.startswith("https://127.0.0.1:")
    assert requests.get(server.url + "/_sandbox/", verify=str(files.ca)).json()["vendor"] == "toy"
    localhost = server.url.replace("127.0.0.1", "localhost")
    assert requests.get(localhost + "/_sandbox/", verify=str(files.ca)).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(server.url + "/_sandbox/")  # the system trust store does not know our CA
    with urllib.request.urlopen(
        server.url + "/_sandbox/", context=files.client_context()
    ) as answer:
        assert answer.status == 200


def test_another_ca_is_not_trusted(serve, tmp_path):
    server = serve(create_toy(), tls=ensure_certificates(tmp_path / "one"))
    stranger = ensure_certificates(tmp_path / "two")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(server.url + "/_sandbox/", verify=str(stranger.ca))
    assert isinstance(stranger.server_context(), ssl.SSLContext)


def test_oauth_flow_over_https(serve, tmp_path):
    files = ensure_certificates(tmp_path / "tls")
    server = serve(create_toy(), tls=files)
    browser = requests.Session()
    session = hub_session(redirect_uri="https://127.0.0.1/callback")
    for client in (browser, session):
        client.verify = str(files.ca)
        # Otherwise REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, when set, silently win over .verify.
        client.trust_env = False
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=verifier
    )
    callback = give_consent(url, session=browser)
    session.fetch_token(
        server.url + "/oauth/tokens", authorization_response=callback, code_verifier=verifier
    )
    assert session.get(server.url + "/api/v2/tickets").status_code == 200
