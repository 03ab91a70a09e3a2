"""The users page: operators and API tokens managed from the browser, every change audited."""

import hashlib

import pytest

from web_helpers import PASSWORD, csrf_of, login

NEW_PASSWORD = "a brand new passphrase"


def audited(hub, kind):
    from hub import audit

    return [row for row in audit.export(hub.engine) if row["kind"] == kind]


def operator(hub, email):
    from hub import accounts

    return next((row for row in accounts.list_operators(hub) if row.email == email), None)


def post(client, path, data):
    token = csrf_of(client.get("/users").get_data(as_text=True))
    return client.post(path, data=dict(data, csrf_token=token))


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def test_the_page_lists_operators_and_tokens_but_no_secret(admin, web_hub):
    from hub import accounts

    _, secret = accounts.create_token(web_hub, "ci-bot", "analyst", created_by="admin@example.com")
    html = admin.get("/users").get_data(as_text=True)
    for role in ("admin", "approver", "analyst"):
        assert f"{role}@example.com" in html
    assert "ci-bot" in html and secret not in html
    assert hashlib.sha256(secret.encode()).hexdigest() not in html
    assert '<option value="agent"' not in html  # the agent's role is never offered


def test_admin_adds_an_operator_who_can_sign_in(admin, app, web_hub):
    response = post(admin, "/users", {"email": "New.Analyst@Example.com", "role": "analyst",
                                      "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert operator(web_hub, "new.analyst@example.com").role == "analyst"
    [entry] = audited(web_hub, "operator.added")[-1:]
    assert entry["actor"] == "admin@example.com" and entry["data"] == {"email": "new.analyst@example.com",
                                                                      "role": "analyst"}
    assert login(app.test_client(), "new.analyst", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("form, message", [
    ({"email": "x@example.com", "role": "analyst", "password": "short", "password_again": "short"}, "at least 12"),
    ({"email": "x@example.com", "role": "analyst", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"},
     "the two passwords differ"),
    ({"email": "x@example.com", "role": "agent", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
     "unknown role &#39;agent&#39;"),
    ({"email": "not an address", "role": "analyst", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
     "is not an e-mail address"),
    ({"email": "approver@example.com", "role": "analyst", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
     "already exists"),
])
def test_bad_input_comes_back_with_the_reason_and_changes_nothing(admin, web_hub, form, message):
    from hub import accounts

    before = [(row.email, row.role, row.password_hash) for row in accounts.list_operators(web_hub)]
    response = post(admin, "/users", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html, html
    assert 'id="error"' in html
    if form["email"] == "x@example.com":
        assert 'value="x@example.com"' in html  # the form comes back filled in (never the password)
    assert [(row.email, row.role, row.password_hash) for row in accounts.list_operators(web_hub)] == before
    assert not audited(web_hub, "operator.added")[3:]  # only the fixture's three


def test_change_role_takes_effect_on_the_next_request(admin, client_as, web_hub):
    approver = client_as("approver")
    assert approver.get("/approvals").status_code == 200
    target = operator(web_hub, "approver@example.com")
    assert post(admin, f"/users/{target.id}/role", {"role": "analyst"}).status_code == 302
    assert operator(web_hub, "approver@example.com").role == "analyst"
    assert approver.get("/approvals").status_code == 403
    [entry] = audited(web_hub, "operator.role_changed")
    assert entry["actor"] == "admin@example.com"
    assert entry["data"] == {"email": "approver@example.com", "from": "approver", "to": "analyst"}
    refused = post(admin, f"/users/{target.id}/role", {"role": "agent"})
    assert refused.status_code == 400 and "unknown role" in refused.get_data(as_text=True)
    assert operator(web_hub, "approver@example.com").role == "analyst"


def test_the_last_admin_can_be_neither_demoted_nor_removed(admin, web_hub):
    me = operator(web_hub, "admin@example.com")
    for path, data in ((f"/users/{me.id}/role", {"role": "analyst"}), (f"/users/{me.id}/remove", {})):
        response = post(admin, path, data)
        assert response.status_code == 400
        assert "the only operator who can manage users" in response.get_data(as_text=True)
        assert operator(web_hub, "admin@example.com").role == "admin"
    assert not audited(web_hub, "operator.role_changed") and not audited(web_hub, "operator.removed")


def test_with_a_second_admin_an_admin_may_step_down(admin, web_hub):
    from hub import accounts

    accounts.add_operator(web_hub, "second@example.com", PASSWORD, "admin")
    me = operator(web_hub, "admin@example.com")
    response = post(admin, f"/users/{me.id}/role", {"role": "approver"})
    assert response.status_code == 302 and response.headers["Location"] == "/"  # the users page is no longer theirs
    assert admin.get("/users").status_code == 403
    second = operator(web_hub, "second@example.com")
    # The one admin left cannot now be demoted, from any session.
    from hub.accounts import AccountError

    with pytest.raises(AccountError, match="only operator who can manage users"):
        accounts.change_role(web_hub, second.email, "analyst", keep_an_admin=True)


def test_removing_an_operator_ends_its_sessions(admin, client_as, web_hub):
    analyst, idle = client_as("analyst"), client_as("analyst")
    assert analyst.get("/runs").status_code == 200
    target = operator(web_hub, "analyst@example.com")
    assert post(admin, f"/users/{target.id}/remove", {}).status_code == 302
    assert operator(web_hub, "analyst@example.com") is None
    assert analyst.get("/runs").status_code == 302  # back to the sign-in page
    [entry] = audited(web_hub, "operator.removed")
    assert entry["actor"] == "admin@example.com" and entry["data"] == {"email": "analyst@example.com"}
    # SQLite gives the next account the removed one's id: a session unused since the removal
    # must not wake up as that new account.
    post(admin, "/users", {"email": "newcomer@example.com", "role": "approver",
                           "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    if web_hub.engine.dialect.name == "sqlite":
        assert operator(web_hub, "newcomer@example.com").id == target.id  # the case this guards against
    response = idle.get("/approvals")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_setting_a_password_ends_the_operators_other_sessions(admin, client_as, app, web_hub):
    approver = client_as("approver")
    target = operator(web_hub, "approver@example.com")
    short = post(admin, f"/users/{target.id}/password", {"password": "too short"})
    assert short.status_code == 400 and "at least 12" in short.get_data(as_text=True)
    assert approver.get("/approvals").status_code == 200  # nothing changed
    assert post(admin, f"/users/{target.id}/password", {"password": NEW_PASSWORD}).status_code == 302
    assert approver.get("/approvals").status_code == 302
    assert login(app.test_client(), "approver", PASSWORD).status_code == 401
    assert login(app.test_client(), "approver", NEW_PASSWORD).status_code == 302
    assert audited(web_hub, "operator.password_set")[0]["actor"] == "admin@example.com"
    # An admin setting their own password stays signed in.
    me = operator(web_hub, "admin@example.com")
    assert post(admin, f"/users/{me.id}/password", {"password": NEW_PASSWORD}).status_code == 302
    assert admin.get("/users").status_code == 200


def test_unknown_operator_is_404_and_changes_nothing(admin):
    for path, data in (("/users/999999/role", {"role": "analyst"}), ("/users/999999/remove", {}),
                       ("/users/999999/password", {"password": NEW_PASSWORD})):
        response = post(admin, path, data)
        assert response.status_code == 404 and "no operator 999999" in response.get_data(as_text=True)


def test_api_token_is_shown_once_stored_hashed_and_revocable(admin, app, web_hub):
    from sqlalchemy import text

    response = post(admin, "/tokens", {"name": "reporting", "role": "analyst"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = html.split('<pre id="secret" class="secret">')[1].split("</pre>")[0]
    assert secret.startswith("hub_")
    with web_hub.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash, created_by FROM apitoken WHERE name = 'reporting'")).one()
    assert stored == (hashlib.sha256(secret.encode()).hexdigest(), "admin@example.com")
    assert secret not in admin.get("/users").get_data(as_text=True)  # never again
    bearer = {"Authorization": f"Bearer {secret}"}
    api = app.test_client()
    assert api.get("/api/runs", headers=bearer).status_code == 200  # analyst: audit.view
    assert audited(web_hub, "api_token.created")[0]["actor"] == "admin@example.com"

    assert post(admin, "/tokens/reporting/revoke", {}).status_code == 302
    assert api.get("/api/runs", headers=bearer).status_code == 401
    assert audited(web_hub, "api_token.revoked")[0]["actor"] == "admin@example.com"
    assert post(admin, "/tokens/reporting/revoke", {}).status_code == 404


@pytest.mark.parametrize("form, message", [
    ({"name": "ci bot", "role": "analyst"}, "a token name is"),
    ({"name": "ci", "role": "agent"}, "unknown role"),
])
def test_bad_token_input_is_refused(admin, web_hub, form, message):
    from hub import accounts

    response = post(admin, "/tokens", form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert accounts.list_tokens(web_hub) == []


def test_forms_without_csrf_token_are_400_and_change_nothing(admin, web_hub):
    target = operator(web_hub, "approver@example.com")
    attempts = [("/users", {"email": "x@example.com", "role": "admin", "password": NEW_PASSWORD,
                            "password_again": NEW_PASSWORD}),
                (f"/users/{target.id}/role", {"role": "admin"}),
                (f"/users/{target.id}/password", {"password": NEW_PASSWORD}),
                (f"/users/{target.id}/remove", {}),
                ("/tokens", {"name": "sneaky", "role": "admin"})]
    for path, data in attempts:
        assert admin.post(path, data=data).status_code == 400, path
        assert admin.post(path, data=dict(data, csrf_token="forged")).status_code == 400, path
    assert operator(web_hub, "x@example.com") is None
    assert operator(web_hub, "approver@example.com").role == "approver"
    assert login(admin.application.test_client(), "approver").status_code == 302  # password unchanged


def test_other_roles_cannot_manage_users(client_as, web_hub):
    for role in ("approver", "analyst"):
        client = client_as(role)
        assert client.get("/users").status_code == 403
        token = csrf_of(client.get("/").get_data(as_text=True))
        response = client.post("/users", data={"email": "x@example.com", "role": "admin", "password": NEW_PASSWORD,
                                               "password_again": NEW_PASSWORD, "csrf_token": token})
        assert response.status_code == 403
    assert operator(web_hub, "x@example.com") is None
