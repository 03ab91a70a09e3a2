"""Replay evaluation: labelled tickets through the real agent, scored against their labels.

``run_live`` opens a fresh world (the vendor sandboxes on their seeds, the hub, a worker; see
hub.testing.world), files every ticket, lets the worker run, answers the agent's questions
with the corpus replies, and records what each run did. ``run_dry`` only classifies and picks
the flow. ``score`` turns observations and labels into the report; ``readiness`` recommends a
rollout mode per intent.
"""

import shutil
import time
from collections import Counter, defaultdict
from pathlib import Path

from sqlmodel import select

TICKET_VERBS = ("reply", "note", "solve", "escalate")


def ticket_tools(hub):
    """The tools that reply to, note, solve or escalate the ticket itself: not actions."""
    names = set()
    for connector in ("zendesk", "servicenow", "salesforce"):
        try:
            helpdesk = hub.connector(connector)
        except Exception:  # a connector that is not installed has no ticket tools
            continue
        for verb in TICKET_VERBS:
            planned = helpdesk.ticket_call(verb, "0", "")
            if planned:
                names.add(planned[0])
    return names


def action_tools(hub, flow):
    """What a flow could do to a vendor record besides answering its ticket."""
    return sorted(name for name in flow.tools()
                  if name in hub.registry.tools and hub.registry.tools[name].kind == "action")


# -- running --------------------------------------------------------------------------------------

def run_dry(hub, items):
    """Classify each ticket and name the flow it would take; nothing is filed or done."""
    agent = hub.agent
    observations = {}
    for item in items:
        reading = agent.read(f"{item.subject}\n\n{item.body}".strip(), requester_email=item.requester)
        plan = agent.plan(reading, agent.policy.audience_of(item.helpdesk))
        primary = reading.requests[0]
        flows = [agent.flows[step.flow] for step in plan.steps if step.flow and not plan.code]
        observations[item.id] = {"intent": primary.intent, "confidence": round(primary.confidence, 3),
                                 "unsure": plan.code == "unsure", "flow": flows[0].name if flows else None,
                                 "state": None, "escalation": plan.code,
                                 "possible_actions": sorted({tool for flow in flows for tool in action_tools(hub, flow)})}
    return observations


def run_live(items, workdir, redis_url, config_dir=None, progress=None):
    """File the corpus in a fresh world and observe every run. Returns observations by item id."""
    from ..testing.world import World

    say = progress or (lambda message: None)
    say("starting the sandboxes and the hub")
    world = World(Path(workdir), redis_url)
    try:
        _use_config(world, config_dir)
        say("syncing the knowledge base")
        world.sync_knowledge(*_knowledge_folders(config_dir))
        remote = {}
        for item in items:
            remote[item.id] = _file(world, item)
        say(f"filed {len(items)} tickets; the worker runs")
        world.wait_for_events(len(items), timeout=60)
        _work(world, "first")
        answered = _answer_questions(world, items, remote)
        if answered:
            say(f"answered {answered} question(s); the worker runs again")
            _work(world, "second")
        return _observe(world, items, remote)
    finally:
        world.stop()


def _work(world, burst):
    """One worker burst; its log is kept beside the world, where a crashed run can be read about."""
    (world.directory / f"worker-{burst}.log").write_text(world.work())


def _use_config(world, config_dir):
    """Flows, intents and policy from the operator's config; every intent acts (autonomous),
    so the replay shows what the agent would do if trusted — flows still ask for approval
    where they say."""
    import yaml

    if config_dir and Path(config_dir).resolve() != world.config.resolve():
        for name in ("intents.yaml", "policy.yaml"):
            if (Path(config_dir) / name).exists():
                shutil.copy(Path(config_dir) / name, world.config / name)
        if (Path(config_dir) / "flows").is_dir():
            shutil.rmtree(world.config / "flows")
            shutil.copytree(Path(config_dir) / "flows", world.config / "flows")
    policy = yaml.safe_load((world.config / "policy.yaml").read_text())
    intents = {name: {k: v for k, v in (settings or {}).items() if k != "mode"}
               for name, settings in (policy.get("intents") or {}).items()}
    world.set_policy(mode="autonomous", intents={k: v for k, v in intents.items() if v},
                     runs=dict(policy.get("runs") or {}, retry_base_seconds=0.1, lease_seconds=5))


def _knowledge_folders(config_dir):
    """The folders the operator's settings name for the knowledge base (relative to the working
    directory, as `hub kb sync` reads them); none given means the world's own settings."""
    import yaml

    path = Path(config_dir or "") / "settings.yaml"
    if not config_dir or not path.exists():
        return ()
    knowledge = (yaml.safe_load(path.read_text()) or {}).get("knowledge") or {}
    return tuple(Path(folder).resolve() for folder in knowledge.get("folders") or ())


def _file(world, item):
    if item.helpdesk == "zendesk":
        return str(world.zendesk_ticket(item.requester, item.subject, item.body)["id"])
    return world.servicenow_incident(item.requester, item.subject, item.body)["sys_id"]


def _runs_by_ticket(world, remote):
    from ..models import Run, Ticket

    with world.session() as session:
        rows = session.exec(select(Run, Ticket.remote_id).join(Ticket, Ticket.id == Run.ticket_id)).all()
        session.expunge_all()
    wanted = set(remote.values())
    return {remote_id: run for run, remote_id in rows if remote_id in wanted}


def _answer_questions(world, items, remote, timeout=30):
    from ..models import InboundEvent

    runs = _runs_by_ticket(world, remote)
    waiting = [item for item in items if item.reply and getattr(runs.get(remote[item.id]), "state", None) == "waiting_customer"]
    for item in waiting:
        world.zendesk_comment(remote[item.id], item.requester, item.reply)
    expected = {remote[item.id] for item in waiting}
    deadline = time.monotonic() + timeout
    while expected and time.monotonic() < deadline:
        with world.session() as session:
            rows = session.exec(select(InboundEvent).where(InboundEvent.kind == "comment.added")).all()
            arrived = {row.ticket_remote_id for row in rows if (row.payload.get("comment") or {}).get("from_requester")}
        if expected <= arrived:
            break
        time.sleep(0.1)
    return len(waiting)


def _observe(world, items, remote):
    from ..models import Approval, Effect

    hub = world.hub
    not_actions = ticket_tools(hub)
    runs = _runs_by_ticket(world, remote)
    observations = {}
    with world.session() as session:
        for item in items:
            run = runs.get(remote[item.id])
            if run is None:
                observations[item.id] = {"state": "no run", "intent": None, "flow": None, "actions": [], "proposed": []}
                continue
            effects = session.exec(select(Effect).where(Effect.run_id == run.id)).all()
            approvals = session.exec(select(Approval).where(Approval.run_id == run.id)).all()
            intent = (run.facts.get("intent") or {})
            observations[item.id] = {
                "run_id": run.id, "state": getattr(run.state, "value", run.state), "intent": run.intent,
                "confidence": round(run.confidence or 0, 3), "unsure": bool(intent.get("unsure")), "flow": run.flow,
                "reason": run.reason or ("the run never finished: the worker logs beside the world say why"
                                         if run.state == "running" else None),
                "actions": sorted({e.tool for e in effects if e.tool not in not_actions}),
                "proposed": sorted({a.tool for a in approvals}),
                "vendor_status": _vendor_status(world, item, remote[item.id]),
            }
    return observations


def _vendor_status(world, item, remote_id):
    if item.helpdesk == "zendesk":
        return world.zendesk_state(remote_id).get("status")
    from hub_servicenow.ingest import status

    row = world.vendor("servicenow").get(f"api/now/table/incident/{remote_id}").json()["result"]
    return status(row.get("state", ""), row.get("hold_reason", ""))


# -- scoring --------------------------------------------------------------------------------------

def _ratio(part, whole):
    return None if not whole else round(part / whole, 4)


def score(items, observations, dry_run=False):
    # Dry, a flow's actions are only possibilities: one counts as wrong when no ticket labelled
    # with this intent allows it (the ticket went to another intent's flow).
    allowed_for_intent = defaultdict(set)
    for item in items:
        allowed_for_intent[item.label.intent] |= set(item.label.allowed_actions)
    rows = []
    for item in items:
        seen = observations[item.id]
        allowed = set(item.label.allowed_actions)
        done = seen.get("actions") if not dry_run else []
        wrong = sorted(set(done or []) - allowed)
        proposed_wrong = sorted(set(seen.get("proposed") or []) - allowed)
        row = {
            "id": item.id, "helpdesk": item.helpdesk, "label_intent": item.label.intent, "intent": seen.get("intent"),
            "intent_correct": seen.get("intent") == item.label.intent and not seen.get("unsure"),
            "flow": seen.get("flow"), "expected": item.label.outcome, "outcome": seen.get("state"),
            "wrong_actions": wrong, "wrong_proposals": proposed_wrong,
            "possible_wrong_actions": sorted(set(seen.get("possible_actions") or []) - allowed_for_intent[item.label.intent])
            if dry_run else [],
        }
        if not dry_run:
            row["outcome_correct"] = row["outcome"] == item.label.outcome and not wrong
            if item.label.vendor_status and row["outcome"] == "resolved":
                row["outcome_correct"] &= seen.get("vendor_status") == item.label.vendor_status
            row["actions"], row["reason"] = done, seen.get("reason")
        rows.append(row)
    report = {"tickets": len(rows), "dry_run": dry_run,
              "intent_accuracy": _ratio(sum(r["intent_correct"] for r in rows), len(rows)),
              "rows": rows}
    if dry_run:
        report["possible_wrong_actions"] = [{"id": r["id"], "tools": r["possible_wrong_actions"]}
                                            for r in rows if r["possible_wrong_actions"]]
    else:
        report.update(_live_figures(rows))
    report["per_flow"] = _per_flow(rows, dry_run)
    report["readiness"] = readiness(rows, dry_run)
    return report


def _live_figures(rows):
    resolved_right = sum(r["outcome"] == "resolved" and r["expected"] == "resolved" and r["outcome_correct"] for r in rows)
    escalated = {r["id"] for r in rows if r["outcome"] in ("escalated", "failed")}
    should = {r["id"] for r in rows if r["expected"] == "escalated"}
    return {
        "outcome_accuracy": _ratio(sum(r["outcome_correct"] for r in rows), len(rows)),
        # A resolution counts when the label agrees the ticket was the agent's to resolve and
        # nothing wrong was done: the replay's stand-in for "not reopened".
        "true_resolution_rate": _ratio(resolved_right, len(rows)),
        "resolved_right": resolved_right, "resolvable": sum(r["expected"] == "resolved" for r in rows),
        "false_resolutions": sorted(r["id"] for r in rows if r["outcome"] == "resolved" and r["expected"] != "resolved"),
        "wrong_actions": [{"id": r["id"], "tools": r["wrong_actions"]} for r in rows if r["wrong_actions"]],
        "wrong_proposals": [{"id": r["id"], "tools": r["wrong_proposals"]} for r in rows if r["wrong_proposals"]],
        "escalation": {"precision": _ratio(len(escalated & should), len(escalated)),
                       "recall": _ratio(len(escalated & should), len(should)),
                       "escalated": len(escalated), "should_escalate": len(should)},
        "outcomes": dict(Counter(r["outcome"] for r in rows).most_common()),
    }


def _per_flow(rows, dry_run):
    groups = defaultdict(list)
    for row in rows:
        groups[row["flow"] or "none"].append(row)
    table = {}
    for flow, members in sorted(groups.items()):
        entry = {"tickets": len(members), "intent_accuracy": _ratio(sum(r["intent_correct"] for r in members), len(members))}
        if not dry_run:
            entry["outcome_accuracy"] = _ratio(sum(r["outcome_correct"] for r in members), len(members))
            entry["resolved"] = sum(r["outcome"] == "resolved" for r in members)
            entry["wrong_actions"] = sum(len(r["wrong_actions"]) for r in members)
        table[flow] = entry
    return table


def readiness(rows, dry_run, minimum_tickets=3):
    """Per labelled intent: how it did and the rollout mode it has earned.

    Any wrong action (or, dry, a flow that could take an action the labels never allow) keeps
    it in shadow; so do fewer than ``minimum_tickets`` examples. Autonomous needs every ticket's
    intent and outcome right; approval needs four in five.
    """
    groups = defaultdict(list)
    for row in rows:
        groups[row["label_intent"]].append(row)
    table = {}
    for intent, members in sorted(groups.items()):
        n = len(members)
        intent_ok = sum(r["intent_correct"] for r in members) / n
        wrong = sum(len(r["wrong_actions"]) + len(r["possible_wrong_actions"]) for r in members)
        outcome_ok = intent_ok if dry_run else sum(r["outcome_correct"] for r in members) / n
        if wrong:
            mode, why = "shadow", f"{wrong} action(s) the labels do not allow"
        elif n < minimum_tickets:
            mode, why = "shadow", f"only {n} labelled ticket(s); {minimum_tickets} are needed to judge"
        elif intent_ok == 1 and outcome_ok == 1:
            mode, why = "autonomous", "every ticket classified and handled as labelled"
        elif intent_ok >= 0.8 and outcome_ok >= 0.8:
            mode, why = "approval", "mostly right: a human should confirm each action for now"
        else:
            mode, why = "shadow", "too many tickets classified or handled differently from their labels"
        if dry_run and mode == "autonomous":
            mode, why = "approval", "classification is right, but a dry run cannot show the outcome: replay live first"
        table[intent] = {"tickets": n, "intent_accuracy": round(intent_ok, 4),
                         "outcome_accuracy": None if dry_run else round(outcome_ok, 4),
                         "wrong_actions": wrong, "recommended_mode": mode, "why": why}
    return table


# -- rendering ------------------------------------------------------------------------------------

def _pct(value):
    return "—" if value is None else f"{100 * value:.1f}%"


def markdown(report, current_modes=None):
    current_modes = current_modes or {}
    lines = [f"Tickets: {report['tickets']}{' (dry run: classified only)' if report['dry_run'] else ''}",
             f"Intent accuracy: {_pct(report['intent_accuracy'])}"]
    if not report["dry_run"]:
        escalation = report["escalation"]
        lines += [f"Outcome accuracy: {_pct(report['outcome_accuracy'])}",
                  f"True resolution rate: {_pct(report['true_resolution_rate'])} of all tickets "
                  f"({report['resolved_right']} of the {report['resolvable']} labelled resolvable)",
                  f"Wrong actions: {sum(len(w['tools']) for w in report['wrong_actions'])}",
                  f"Escalation precision: {_pct(escalation['precision'])}, recall: {_pct(escalation['recall'])} "
                  f"({escalation['escalated']} escalated, {escalation['should_escalate']} should have)"]
        if report["false_resolutions"]:
            lines.append(f"Resolved although the label says otherwise: {', '.join(report['false_resolutions'])}")
    else:
        possible = report["possible_wrong_actions"]
        lines.append("Tickets sent to a flow whose actions their intent never allows: "
                     + (", ".join(f"{p['id']} ({', '.join(p['tools'])})" for p in possible) or "none"))
    lines += ["", "| flow | tickets | intent accuracy | outcome accuracy | resolved | wrong actions |", "|---|---|---|---|---|---|"]
    for flow, row in report["per_flow"].items():
        lines.append(f"| {flow} | {row['tickets']} | {_pct(row['intent_accuracy'])} | {_pct(row.get('outcome_accuracy'))} "
                     f"| {row.get('resolved', '—')} | {row.get('wrong_actions', '—')} |")
    lines += ["", "| intent | tickets | intent accuracy | outcome accuracy | wrong actions | mode now | recommended | why |",
              "|---|---|---|---|---|---|---|---|"]
    for intent, row in report["readiness"].items():
        lines.append(f"| {intent} | {row['tickets']} | {_pct(row['intent_accuracy'])} | {_pct(row['outcome_accuracy'])} "
                     f"| {row['wrong_actions']} | {current_modes.get(intent, '—')} | **{row['recommended_mode']}** | {row['why']} |")
    misses = [r for r in report["rows"] if not r["intent_correct"] or not r.get("outcome_correct", True)]
    if misses:
        lines += ["", "| ticket | label intent → seen | expected → outcome | flow | why |", "|---|---|---|---|---|"]
        for r in misses:
            why = (r.get("reason") or "").replace("|", "/").replace("\n", " ")[:120]
            lines.append(f"| {r['id']} | {r['label_intent']} → {r['intent']} | {r['expected']} → {r['outcome']} | {r['flow']} | {why} |")
    return "\n".join(lines) + "\n"
