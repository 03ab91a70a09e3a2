"""Every role against every guarded route: allowed, or 403 with an audit entry."""

import pytest

from web_helpers import ROLES

# Placeholder values for URL variables; a route may answer 404/400 for them, but never let a
# role through that lacks the permission (the check runs before the view looks anything up).
VALUES = {"connector_name": "zendesk", "connection_id": "nosuchconnection", "approval_id": "999999",
          "filename": "hub.css", "token": "x", "run_id": "nosuchrun",
          "operator_id": "999999", "name": "refund"}  # name: a flow file that exists; no token has it
EXPECTED_DENIED = {  # role -> permissions it lacks (from config/roles.yaml), spelled out on purpose
    "admin": set(),
    "approver": {"connections.view", "connections.manage", "reports.view", "users.manage", "config.edit"},
    "analyst": {"connections.view", "connections.manage", "approvals.view", "approvals.decide", "users.manage",
                "config.edit"},
}


def guarded_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "permission", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path = rule.build(VALUES, append_unknown=False)[1] if rule.arguments else rule.rule
            routes.append((method, path, permission, rule.endpoint))
    return routes


def test_every_route_is_guarded_or_public_on_purpose(app):
    public = {"static", "auth.login", "auth.logout", "hooks.receive", "survey.answer", "health",
              "plugins_json", "prometheus_metrics"}
    unguarded = {endpoint for _, _, permission, endpoint in guarded_routes(app) if permission is None}
    assert unguarded <= public, f"routes without a permission check: {unguarded - public}"
    assert len([r for r in guarded_routes(app) if r[2]]) >= 12


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(role, app, client_as, web_hub):
    from hub import audit

    from web_helpers import csrf_of

    client = client_as(role)
    token = csrf_of(client.get("/").get_data(as_text=True))
    checked = 0
    for method, path, permission, endpoint in guarded_routes(app):
        if permission is None:
            continue
        if method == "POST":
            response = client.post(path, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        else:
            response = client.get(path)
        allowed = web_hub.roles.allows(role, permission)
        assert allowed == (permission not in EXPECTED_DENIED[role]), f"roles.yaml changed for {role}"
        if allowed:
            assert response.status_code != 403, f"{role} {method} {path} ({permission})"
            assert response.status_code < 500, f"{role} {method} {path}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{role} {method} {path} ({permission}) -> {response.status_code}"
            denials = [row for row in audit.export(web_hub.engine)
                       if row["kind"] == "access.denied" and row["data"]["path"] == path
                       and row["data"]["method"] == method and row["actor"] == f"{role}@example.com"]
            assert denials, f"no audit entry for {role} {method} {path}"
        checked += 1
    assert checked >= 12


def test_anonymous_pages_redirect_and_api_answers_401(app):
    client = app.test_client()
    for method, path, permission, _ in guarded_routes(app):
        if permission is None or method != "GET":
            continue
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 401 and response.is_json, path
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], path
