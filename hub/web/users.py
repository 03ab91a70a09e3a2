"""Operator accounts and API tokens in the browser (/users), for whoever holds users.manage.

The accounts themselves are hub.accounts; this module adds the forms. Every change is audited
naming the operator who made it. The web app never lets the last admin go (``keep_an_admin``)
and never offers the agent's role. A form with bad input comes back with the reason and nothing
changed.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from .. import accounts
from .auth import current_hub, current_principal, require

blueprint = Blueprint("users", __name__)
PERMISSION = accounts.MANAGE_USERS




def _page(error=None, status=200, form=None):
    """The users page; with ``error`` it is a refused form coming back (``form``: what to refill)."""
    hub = current_hub()
    roles = [(name, hub.roles.roles[name].description) for name in accounts.operator_roles(hub)]
    return render_template("users.html", operators=accounts.list_operators(hub), tokens=accounts.list_tokens(hub),
                           roles=roles, error=error, form=form or {},
                           min_password=accounts.MIN_PASSWORD_LENGTH), status


def _operator_or_404(operator_id):
    operator = accounts.get_operator(current_hub(), operator_id)
    if operator is None:
        return None, _page(f"There is no operator {operator_id} (removed meanwhile?). Nothing was changed.", 404)
    return operator, None


@blueprint.get("/users")
@require(PERMISSION)
def page():
    return _page()


@blueprint.post("/users")
@require(PERMISSION)
def add():
    form = request.form
    refill = {"email": form.get("email", ""), "role": form.get("role", "")}
    password = form.get("password", "")
    if password != form.get("password_again", ""):
        return _page("Not added: the two passwords differ.", 400, refill)
    try:
        operator = accounts.add_operator(current_hub(), refill["email"], password, refill["role"], actor=current_principal().name)
    except accounts.AccountError as error:
        return _page(f"Not added: {error}.", 400, refill)
    flash(f"Added {operator.email} ({operator.role}).", "ok")
    return redirect(url_for("users.page"))


@blueprint.post("/users/<int:operator_id>/role")
@require(PERMISSION)
def change_role(operator_id):
    operator, missing = _operator_or_404(operator_id)
    if missing:
        return missing
    role = request.form.get("role", "")
    try:
        changed = accounts.change_role(current_hub(), operator.email, role, actor=current_principal().name, keep_an_admin=True)
    except accounts.AccountError as error:
        return _page(f"Role not changed: {error}.", 400)
    flash(f"{changed.email} is now {changed.role}.", "ok")
    if changed.id == current_principal().operator_id and not current_hub().roles.allows(changed.role, PERMISSION):
        return redirect(url_for("setup.home"))  # you gave yourself a role without this page
    return redirect(url_for("users.page"))


@blueprint.post("/users/<int:operator_id>/password")
@require(PERMISSION)
def set_password(operator_id):
    operator, missing = _operator_or_404(operator_id)
    if missing:
        return missing
    try:
        changed = accounts.set_password(current_hub(), operator.email, request.form.get("password", ""), actor=current_principal().name)
    except accounts.AccountError as error:
        return _page(f"Password not set: {error}.", 400)
    if changed.id == current_principal().operator_id:
        # Setting a password ends the account's sessions; not the one that just set it.
        session["operator_stamp"] = accounts.session_stamp(changed)
    flash(f"New password set for {changed.email}; their other sessions have ended.", "ok")
    return redirect(url_for("users.page"))


@blueprint.post("/users/<int:operator_id>/remove")
@require(PERMISSION)
def remove(operator_id):
    operator, missing = _operator_or_404(operator_id)
    if missing:
        return missing
    try:
        accounts.remove_operator(current_hub(), operator.email, actor=current_principal().name, keep_an_admin=True)
    except accounts.AccountError as error:
        return _page(f"Not removed: {error}.", 400)
    flash(f"Removed {operator.email}; their sessions have ended.", "ok")
    if operator.id == current_principal().operator_id:
        return redirect(url_for("auth.login"))  # you removed yourself
    return redirect(url_for("users.page"))


@blueprint.post("/tokens")
@require(PERMISSION)
def create_token():
    form = request.form
    refill = {"token_name": form.get("name", ""), "token_role": form.get("role", "")}
    try:
        token, secret = accounts.create_token(current_hub(), refill["token_name"], refill["token_role"],
                                              created_by=current_principal().name)
    except accounts.AccountError as error:
        return _page(f"No token created: {error}.", 400, refill)
    # The one time the secret exists outside the caller's hands: not cached, not redirected to.
    response = current_app.make_response(render_template("token_created.html", token=token, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/tokens/<name>/revoke")
@require(PERMISSION)
def revoke_token(name):
    try:
        accounts.revoke_token(current_hub(), name, actor=current_principal().name)
    except accounts.AccountError as error:
        return _page(f"Not revoked: {error}.", 404)
    flash(f"Revoked the token {name}; requests that send it are refused from now on.", "ok")
    return redirect(url_for("users.page"))
