"""Sign-in, sessions, CSRF, cookies, headers, rate limiting and API tokens."""

from web_helpers import PASSWORD, csrf_of, login


def test_login_sets_a_hardened_session_cookie(app):
    client = app.test_client()
    response = login(client, "admin")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # public_url is http:// in the default config
    assert client.get("/connectors").status_code == 200


def test_cookie_is_secure_when_public_url_is_https(web_hub):
    from hub.app import create_app

    web_hub.settings.public_url = "https://hub.example.com"
    app = create_app(web_hub)
    client = app.test_client()
    response = login(client, "admin")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


def test_security_headers_on_every_page(app):
    response = app.test_client().get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_wrong_password_is_refused_and_audited(app, web_hub):
    from hub import audit

    response = login(app.test_client(), "admin", "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert any(row["kind"] == "operator.login_failed" for row in audit.export(web_hub.engine))


def test_form_without_csrf_token_is_400(app):
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 400
    signed_in = app.test_client()
    login(signed_in, "admin")
    assert signed_in.post("/connectors/zendesk/connect", data={"instance": "acme"}).status_code == 400
    assert signed_in.post("/connectors/zendesk/connect",
                          data={"instance": "acme", "csrf_token": "forged"}).status_code == 400


def test_tampered_session_cookie_is_rejected(app):
    client = app.test_client()
    login(client, "admin")
    cookie = client.get_cookie("hub_session")
    assert client.get("/connectors").status_code == 200
    tampered = cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB")
    client.set_cookie("hub_session", tampered)
    response = client.get("/connectors")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_id_changes_at_login(app):
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie("hub_session").value
    login(client, "admin")
    assert client.get_cookie("hub_session").value != before


def test_login_rate_limit_per_account_works_across_app_instances(web_hub):
    from hub.app import create_app

    limit = web_hub.settings.web.login_failures_per_account
    first, second = create_app(web_hub), create_app(web_hub)  # two processes' worth of state
    for attempt in range(limit):
        app = first if attempt % 2 else second
        assert login(app.test_client(), "analyst", "wrong password!!").status_code == 401
    # Now even the right password is refused until the window passes.
    assert login(first.test_client(), "analyst").status_code == 429
    assert login(second.test_client(), "analyst").status_code == 429
    assert login(first.test_client(), "approver").status_code == 302  # other accounts unaffected


def test_login_rate_limit_per_ip(web_hub):
    from hub.app import create_app

    web_hub.settings.web.login_failures_per_ip = 3
    app = create_app(web_hub)
    for role in ("admin", "approver", "analyst"):
        assert login(app.test_client(), role, "wrong password!!").status_code == 401
    assert login(app.test_client(), "admin").status_code == 429


def test_logout_ends_the_session(client_as):
    client = client_as("admin")
    page = client.get("/connectors").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    assert client.get("/connectors").status_code == 302


def test_open_redirect_after_login_is_refused(app):
    client = app.test_client()
    page = client.get("/login?next=//evil.example.com/")
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD,
                                           "next": "//evil.example.com/", "csrf_token": csrf_of(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/"


def test_api_tokens_are_stored_hashed_and_bound_to_a_role(app, web_hub):
    from sqlalchemy import text

    from hub import accounts

    _, secret = accounts.create_token(web_hub, "ci", "analyst")
    with web_hub.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM apitoken")).scalar_one()
    assert secret not in stored and len(stored) == 64
    client = app.test_client()
    assert client.get("/api/approvals").status_code == 401
    assert client.get("/api/approvals", headers={"Authorization": "Bearer hub_wrong"}).status_code == 401
    assert client.get("/api/approvals", headers={"Authorization": f"Bearer {secret}"}).status_code == 403
    _, approver = accounts.create_token(web_hub, "bot", "approver")
    response = client.get("/api/approvals", headers={"Authorization": f"Bearer {approver}"})
    assert response.status_code == 200 and response.json == {"approvals": []}


def test_passwords_are_argon2_hashes(web_hub):
    from hub import accounts

    operator = accounts.list_operators(web_hub)[0]
    assert operator.password_hash.startswith("$argon2id$")
    assert PASSWORD not in operator.password_hash


def test_short_password_and_unknown_role_are_refused(web_hub):
    import pytest

    from hub import accounts

    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.add_operator(web_hub, "x@example.com", "short", "admin")
    with pytest.raises(accounts.AccountError, match="unknown role 'agent'"):
        accounts.add_operator(web_hub, "x@example.com", PASSWORD, "agent")


def test_removing_an_account_ends_its_sessions(client_as, web_hub):
    from hub import accounts

    client = client_as("approver")
    assert client.get("/approvals").status_code == 200
    accounts.remove_operator(web_hub, "approver@example.com")
    assert client.get("/approvals").status_code == 302
