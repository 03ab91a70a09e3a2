"""Editing the policy and the flows in the browser (/config/...), for whoever holds config.edit.

The checking, writing and auditing are hub.agent.editing; this module adds the pages. Each form
carries the SHA-256 of the text it showed, so a save over someone else's newer save is refused
instead of silently undoing it. A refused edit comes back in the textarea with the validator's
message; the file is untouched.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..agent import agent as agent_module
from ..agent import editing
from ..agent.flows import FlowError, load_flow
from ..agent.policy import MODES, Policy
from ..errors import HubError
from .auth import current_hub, current_principal, require

blueprint = Blueprint("config_editor", __name__)
PERMISSION = "config.edit"
NEW_FLOW = """name: {name}
description: ""
intents: []
start: hand_over
nodes:
  hand_over:
    type: escalate
    reason: The flow {name} is not written yet; it hands every ticket over.
"""



def _running(hub):
    """``(agent, problem)``: this process's agent and why it is not running the files on disk."""
    try:
        agent = hub.agent
    except HubError as error:
        return None, str(error)
    return agent, agent.reload_error


def _not_found(what):
    return render_template("error.html", status=404, what=what,
                           todo="Pick a flow from the list of flows."), 404


def _saved(saved, problem):
    if saved.changed:
        flash(f"Saved {saved.file} (SHA-256 {saved.sha256_after[:12]}…). This web process uses it now; "
              f"workers take it up within {agent_module.RELOAD_CHECK_SECONDS:g} s.", "ok")
    else:
        flash(f"{saved.file} is unchanged: the text you sent is what the file holds.", "ok")
    for warning in saved.warnings:
        flash(warning, "warning")
    if problem:
        flash(f"The hub is not running the files on disk: {problem}", "warning")


# -- the policy -----------------------------------------------------------------------------------


def _intent_rows(hub, policy, agent):
    """One row per intent of the taxonomy (and any other the policy names): flow, mode, threshold."""
    known = editing.taxonomy_intents(hub) or []
    rows = []
    for name in [*known, *(name for name in policy.intents if name not in known)]:
        own = policy.intents.get(name)
        flows = agent.flow_for_intent.get(name, []) if agent else []
        shown = ", ".join(flow.name + ("" if flow.audience == "any" else f" ({flow.audience})") for flow in flows)
        rows.append({"intent": name, "known": name in known, "own_mode": own.mode if own else None,
                     "mode": policy.mode_for(name), "threshold": policy.threshold_for(name),
                     "flow": shown or "none: handed to a person"})
    return rows


def _policy_page(text=None, base_sha256=None, error=None, status=200):
    hub = current_hub()
    path = editing.policy_path(hub)
    on_disk = editing.read(path)
    agent, problem = _running(hub)
    try:
        policy, disk_error = Policy.from_text(on_disk, path), None
    except HubError as invalid:
        policy, disk_error = None, str(invalid)
    return render_template(
        "config_policy.html", text=on_disk if text is None else text,
        sha256=base_sha256 or editing.sha256_text(on_disk), error=error, policy=policy, disk_error=disk_error,
        rows=_intent_rows(hub, policy, agent) if policy else [], modes=MODES, problem=problem,
        file=editing.relative(hub, path)), status


@blueprint.get("/config/policy")
@require(PERMISSION)
def policy():
    return _policy_page()


@blueprint.post("/config/policy")
@require(PERMISSION)
def save_policy():
    hub = current_hub()
    text, base = request.form.get("text"), request.form.get("sha256")
    if text is None or not base:
        return _policy_page(error="The form is incomplete (text and sha256 are needed). Nothing was saved.",
                            status=400)
    try:
        saved = editing.save(hub, editing.policy_path(hub), text, current_principal().name, base,
                             lambda candidate: editing.check_policy(hub, candidate))
    except editing.EditConflict as error:
        return _policy_page(text, base, str(error), 409)
    except editing.EditRejected as error:
        return _policy_page(text, base, f"Not saved: {error}", 400)
    _saved(saved, editing.take_up(hub))
    return redirect(url_for("config_editor.policy"))


@blueprint.post("/config/policy/mode")
@require(PERMISSION)
def set_mode():
    hub = current_hub()
    intent, mode = request.form.get("intent") or "", request.form.get("mode")
    path = editing.policy_path(hub)
    current = editing.read(path)
    try:
        named = set(Policy.from_text(current, path).intents)
    except HubError:
        named = set()
    if intent not in set(editing.taxonomy_intents(hub) or ()) | named:
        return _policy_page(error=f"Not saved: {intent!r} is not an intent of the taxonomy.", status=400)
    if mode is None or (mode and mode not in MODES):
        return _policy_page(error=f"Not saved: the mode must be one of {', '.join(MODES)} (or empty for the "
                                  f"default), not {mode!r}.", status=400)
    try:
        text = editing.set_intent_mode(current, intent, mode or None)
        saved = editing.save(hub, path, text, current_principal().name, editing.sha256_text(current),
                             lambda candidate: editing.check_policy(hub, candidate))
    except editing.EditConflict:
        return _policy_page(error="Not saved: policy.yaml changed while the mode was being set; try again.",
                            status=409)
    except editing.EditRejected as error:
        return _policy_page(error=f"Not saved: {error}", status=400)
    _saved(saved, editing.take_up(hub))
    return redirect(url_for("config_editor.policy"))


# -- flows ----------------------------------------------------------------------------------------


def _flow_list(hub):
    listed = []
    for name, path in editing.flow_files(hub):
        row = {"file": name, "editable": editing.flow_path(hub, name) is not None}
        try:
            flow = load_flow(path, hub.registry)
            row.update(name=flow.name, intents=flow.intents, nodes=len(flow.nodes), problem=None)
        except FlowError as error:
            row.update(name=None, intents=[], nodes=None, problem=str(error))
        listed.append(row)
    return listed


def _flows_page(error=None, status=200, new_name=""):
    hub = current_hub()
    listed = _flow_list(hub)
    claimed = {intent for row in listed for intent in row["intents"]}
    unhandled = [name for name in editing.taxonomy_intents(hub) or () if name not in claimed]
    _, problem = _running(hub)
    return render_template("config_flows.html", flows=listed, unhandled=unhandled, error=error, problem=problem,
                           new_name=new_name), status


@blueprint.get("/config/flows")
@require(PERMISSION)
def flows():
    return _flows_page()


@blueprint.post("/config/flows")
@require(PERMISSION)
def create_flow():
    hub = current_hub()
    name = (request.form.get("name") or "").strip()
    path = editing.flow_path(hub, name, must_exist=False)
    if path is None:
        return _flows_page("Not created: a flow's file name is 1-64 lower-case letters, digits or underscores.",
                           400, name)
    try:
        saved = editing.save(hub, path, NEW_FLOW.format(name=name), current_principal().name, None,
                             lambda candidate: editing.check_flow(hub, path, candidate), create=True)
    except editing.EditRejected as error:
        return _flows_page(f"Not created: {error}", 400, name)
    _saved(saved, editing.take_up(hub))
    return redirect(url_for("config_editor.flow", name=name))


def _flow_page(name, path, text=None, base_sha256=None, error=None, status=200):
    hub = current_hub()
    on_disk = editing.read(path)
    _, problem = _running(hub)
    return render_template("config_flow.html", name=name, file=editing.relative(hub, path),
                           text=on_disk if text is None else text,
                           sha256=base_sha256 or editing.sha256_text(on_disk), error=error, problem=problem), status


@blueprint.get("/config/flows/<name>")
@require(PERMISSION)
def flow(name):
    path = editing.flow_path(current_hub(), name)
    if path is None:
        return _not_found(f"No flow file {name!r} in config/flows.")
    return _flow_page(name, path)


@blueprint.post("/config/flows/<name>")
@require(PERMISSION)
def save_flow(name):
    hub = current_hub()
    path = editing.flow_path(hub, name)
    if path is None:
        return _not_found(f"No flow file {name!r} in config/flows.")
    text, base = request.form.get("text"), request.form.get("sha256")
    if text is None or not base:
        return _flow_page(name, path, error="The form is incomplete (text and sha256 are needed). Nothing was saved.",
                          status=400)
    try:
        saved = editing.save(hub, path, text, current_principal().name, base,
                             lambda candidate: editing.check_flow(hub, path, candidate))
    except editing.EditConflict as error:
        return _flow_page(name, path, text, base, str(error), 409)
    except editing.EditRejected as error:
        return _flow_page(name, path, text, base, f"Not saved: {error}", 400)
    _saved(saved, editing.take_up(hub))
    return redirect(url_for("config_editor.flow", name=name))
