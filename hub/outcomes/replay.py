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
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

TICKET_VERBS = ("reply", "note", "solve", "escalate")


def ticket_tools(hub):
    """The tools that reply to, note, solve or escalate the ticket itself: not actions."""
    names = set()
    for helpdesk in hub.registry.connectors.values():
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
        reading = agent.read(item.body, requester_email=item.requester, subject=item.subject)
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
    world = World(Path(workdir), redis_url, also={item.helpdesk for item in items})
    try:
        _use_config(world, config_dir)
        say("syncing the knowledge base")
        world.sync_knowledge(*_knowledge_folders(config_dir))
        before = _orders(world, items)
        remote = {}
        for item in items:
            remote[item.id] = _file(world, item)
        say(f"filed {len(items)} tickets; the worker runs")
        world.wait_for_events(len(items), timeout=120)
        _work(world, "first")
        for round_number in range(1, 1 + max((len(item.replies) for item in items), default=0)):
            answered = _answer_questions(world, items, remote, round_number)
            if not answered:
                break
            say(f"answered {answered} question(s); the worker runs again")
            _work(world, f"answers-{round_number}")
        return _observe(world, items, remote, before, _orders(world, items))
    finally:
        world.stop()


def _work(world, burst):
    """One worker burst; its log is kept beside the world, where a crashed run can be read about."""
    # A whole corpus in one burst: minutes on a busy machine, so no per-test time limit.
    (world.directory / f"worker-{burst}.log").write_text(world.work(timeout=3600))


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
    return world[item.helpdesk].open_ticket(item.requester, item.subject, item.body)


def _orders(world, items):
    """What the corpus's orders look like in the store now: money refunded, cancelled, items on
    a return. Read before and after the replay, the difference is what the agent did to them."""
    numbers = sorted({number for item in items for number in _orders_of(item)})
    state = {}
    for number in numbers:
        found = next((seen for seen in (driver.order_state(number) for driver in world.drivers.values())
                      if seen is not None), None)
        if found is not None:
            state[number] = found
    return state


def _orders_of(item):
    """The order numbers a label names: its ``orders`` and the ``<connector>:order:<number>`` writes."""
    written = [parts[2] for parts in (w.split(":") for w in item.label.writes) if len(parts) > 2 and parts[1] == "order"]
    return set(item.label.orders) | set(written)


def _runs_by_ticket(world, remote):
    from ..models import Run, Ticket

    with world.session() as session:
        rows = session.exec(select(Run, Ticket.remote_id).join(Ticket, Ticket.id == Run.ticket_id)).all()
        session.expunge_all()
    wanted = set(remote.values())
    return {remote_id: run for run, remote_id in rows if remote_id in wanted}


def _answer_questions(world, items, remote, round_number, timeout=30):
    """Send each waiting run's requester their next answer (the ``round_number``-th), on the
    ticket's own helpdesk, and wait until the hub has the answers. Returns how many were sent."""
    from ..models import InboundEvent

    runs = _runs_by_ticket(world, remote)
    waiting = [item for item in items if len(item.replies) >= round_number
               and getattr(runs.get(remote[item.id]), "state", None) == "waiting_customer"]
    with world.session() as session:
        already = len(session.exec(select(InboundEvent.id).where(InboundEvent.kind == "comment.added")).all())
    for item in waiting:
        _comment(world, item, remote[item.id], item.replies[round_number - 1])
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        with world.session() as session:
            arrived = len(session.exec(select(InboundEvent.id).where(InboundEvent.kind == "comment.added")).all())
        if arrived - already >= len(waiting):
            break
        time.sleep(0.1)
    return len(waiting)


def _comment(world, item, remote_id, text):
    world[item.helpdesk].answer(remote_id, item.requester, text)


def _observe(world, items, remote, before, after):
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
            requests = run.facts.get("requests") or []
            observations[item.id] = {
                "run_id": run.id, "state": getattr(run.state, "value", run.state), "intent": run.intent,
                "confidence": round(run.confidence or 0, 3), "unsure": bool(intent.get("unsure")), "flow": run.flow,
                "flows": [r.get("flow") for r in requests], "requests": [r.get("intent") for r in requests],
                "escalation": run.escalation, "request_codes": sorted({r["code"] for r in requests if r.get("code")}),
                "language": run.facts.get("language"),
                "reason": run.reason or ("the run never finished: the worker logs beside the world say why"
                                         if run.state == "running" else None),
                "actions": sorted({e.tool for e in effects if e.tool not in not_actions}),
                "proposed": sorted({a.tool for a in approvals}),
                "proposed_amounts": [str(a.arguments.get("amount")) for a in approvals if a.arguments.get("amount")],
                "vendor_status": _vendor_status(world, item, remote[item.id]),
                **_order_changes(effects, before, after),
            }
    return observations


def _order_changes(effects, before, after):
    """Money the run moved on the orders its own writes touched, and the line items it acted on.

    Read from the store, not from what the tools answered: what the customer got is what counts.
    Only orders a write of this run names are charged to it, so a ticket that merely mentions an
    order another ticket changed is not blamed for it."""
    touched = {str(e.arguments.get("order_id")) for e in effects if e.arguments.get("order_id")}
    moved, items = Decimal("0"), set()
    for number in after:
        then, now = before.get(number), after.get(number)
        if not then or not now or not ({number, f"#{number}", now["id"]} & touched):
            continue
        moved += now["refunded"] - then["refunded"]
        if now["cancelled"] and not then["cancelled"]:
            items |= set(now["titles"])
        items |= {title for title, quantity in now["returned"].items() if quantity > then["returned"].get(title, 0)}
    return {"money_moved": str(moved), "items_acted_on": sorted(items)}


def _vendor_status(world, item, remote_id):
    return world[item.helpdesk].status(remote_id)


# -- scoring --------------------------------------------------------------------------------------

def _ratio(part, whole):
    return None if not whole else round(part / whole, 4)


def score(items, observations, dry_run=False):
    # Dry, a flow's actions are only possibilities: one counts as wrong when no ticket labelled
    # with this intent allows it (the ticket went to another intent's flow).
    allowed_for_intent = defaultdict(set)
    for item in items:
        allowed_for_intent[item.label.intent] |= set(item.label.allowed_actions)
    rows = [_row(item, observations[item.id], allowed_for_intent, dry_run) for item in items]
    report = {"tickets": len(rows), "dry_run": dry_run, **_figures(rows, dry_run), "rows": rows}
    if dry_run:
        report["possible_wrong_actions"] = [{"id": r["id"], "tools": r["possible_wrong_actions"]}
                                            for r in rows if r["possible_wrong_actions"]]
    # Each file apart (a held-out file is only ever reported), and each kind of ticket.
    report["per_split"] = {name: _figures(members, dry_run) for name, members in _by(rows, "split").items()}
    report["per_group"] = {name: _figures(members, dry_run) for name, members in _by(rows, "group").items()}
    report["per_flow"] = _per_flow(rows, dry_run)
    report["readiness"] = readiness(rows, dry_run)
    return report


def _row(item, seen, allowed_for_intent, dry_run):
    label = item.label
    allowed = set(label.allowed_actions)
    done = seen.get("actions") if not dry_run else []
    wrong = sorted(set(done or []) - allowed)
    proposed_wrong = sorted(set(seen.get("proposed") or []) - allowed)
    row = {
        "id": item.id, "split": item.split, "group": item.group, "language": item.language,
        "helpdesk": item.helpdesk, "label_intent": label.intent, "intent": seen.get("intent"),
        "intent_correct": seen.get("intent") == label.intent and not seen.get("unsure"),
        "flow": seen.get("flow"), "expected": label.outcome, "outcome": seen.get("state"),
        "expected_reason": label.reason, "escalation": seen.get("escalation"),
        "wrong_actions": wrong, "wrong_proposals": proposed_wrong,
        "possible_wrong_actions": sorted(set(seen.get("possible_actions") or []) - allowed_for_intent[label.intent])
        if dry_run else [],
    }
    if dry_run:
        return row
    # Beyond what was asked: more money than the ticket allows, or items it did not name.
    moved = Decimal(seen.get("money_moved") or "0")
    if label.max_amount is not None and moved > label.max_amount:
        row["wrong_actions"] = row["wrong_actions"] + [f"moved {moved} (at most {label.max_amount})"]
    proposed_over = [a for a in seen.get("proposed_amounts") or ()
                     if label.max_amount is not None and _decimal(a) > label.max_amount]
    if proposed_over:
        row["wrong_proposals"] = row["wrong_proposals"] + [f"proposed {', '.join(proposed_over)} (at most {label.max_amount})"]
    acted = set(seen.get("items_acted_on") or ())
    if label.items is not None and acted - set(label.items):
        row["wrong_actions"] = row["wrong_actions"] + [f"acted on {', '.join(sorted(acted - set(label.items)))}"]
    codes = {seen.get("escalation"), *(seen.get("request_codes") or ())} - {None}
    row["reason_correct"] = (label.outcome != "escalated" or not label.reason or label.reason in codes)
    row["outcome_correct"] = row["outcome"] == label.outcome and not row["wrong_actions"]
    if label.vendor_status and row["outcome"] == "resolved":
        row["outcome_correct"] &= seen.get("vendor_status") == label.vendor_status
    row["actions"], row["reason"], row["money_moved"] = done, seen.get("reason"), str(moved)
    return row


def _decimal(value):
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal("0")


def _by(rows, key):
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return dict(sorted(groups.items()))


def _figures(rows, dry_run):
    figures = {"tickets": len(rows), "intent_accuracy": _ratio(sum(r["intent_correct"] for r in rows), len(rows))}
    if dry_run:
        return figures
    resolvable = [r for r in rows if r["expected"] == "resolved"]
    resolved_right = sum(r["outcome"] == "resolved" and r["outcome_correct"] for r in resolvable)
    escalated = {r["id"] for r in rows if r["outcome"] in ("escalated", "failed")}
    should = {r["id"] for r in rows if r["expected"] == "escalated"}
    for_reason = [r for r in rows if r["expected"] == "escalated" and r["expected_reason"]]
    figures.update({
        "outcome_accuracy": _ratio(sum(r["outcome_correct"] for r in rows), len(rows)),
        # A resolution counts when the label agrees the ticket was the agent's to resolve and
        # nothing wrong was done: the replay's stand-in for "not reopened".
        "true_resolution_rate": _ratio(resolved_right, len(resolvable)),
        "resolved_right": resolved_right, "resolvable": len(resolvable),
        "false_resolutions": sorted(r["id"] for r in rows if r["outcome"] == "resolved" and r["expected"] != "resolved"),
        "wrong_actions": [{"id": r["id"], "tools": r["wrong_actions"]} for r in rows if r["wrong_actions"]],
        "wrong_proposals": [{"id": r["id"], "tools": r["wrong_proposals"]} for r in rows if r["wrong_proposals"]],
        "escalation": {"precision": _ratio(len(escalated & should), len(escalated)),
                       "recall": _ratio(len(escalated & should), len(should)),
                       "escalated": len(escalated), "should_escalate": len(should)},
        # Of the tickets that must reach a person for a stated reason: escalated, for that reason.
        "right_reason": _ratio(sum(r["outcome"] == "escalated" and r["reason_correct"] for r in for_reason),
                               len(for_reason)),
        "outcomes": dict(Counter(r["outcome"] for r in rows).most_common()),
    })
    return figures


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
                  f"True resolution of resolvable tickets: {_pct(report['true_resolution_rate'])} "
                  f"({report['resolved_right']} of the {report['resolvable']} labelled resolvable)",
                  f"Wrong actions: {sum(len(w['tools']) for w in report['wrong_actions'])}",
                  f"Escalated for the right reason: {_pct(report['right_reason'])} of those labelled with one",
                  f"Escalation precision: {_pct(escalation['precision'])}, recall: {_pct(escalation['recall'])} "
                  f"({escalation['escalated']} escalated, {escalation['should_escalate']} should have)"]
        if report["false_resolutions"]:
            lines.append(f"Resolved although the label says otherwise: {', '.join(report['false_resolutions'])}")
        for title, key in (("split", "per_split"), ("group", "per_group")):
            lines += ["", f"| {title} | tickets | outcome accuracy | true resolution | wrong actions | right reason "
                          f"| escalation recall |", "|---|---|---|---|---|---|---|"]
            for name, row in report[key].items():
                lines.append(f"| {name} | {row['tickets']} | {_pct(row['outcome_accuracy'])} "
                             f"| {_pct(row['true_resolution_rate'])} ({row['resolved_right']}/{row['resolvable']}) "
                             f"| {sum(len(w['tools']) for w in row['wrong_actions'])} | {_pct(row['right_reason'])} "
                             f"| {_pct(row['escalation']['recall'])} |")
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
    misses = [r for r in report["rows"]
              if not r["intent_correct"] or not r.get("outcome_correct", True) or not r.get("reason_correct", True)]
    if misses:
        lines += ["", "| ticket | label intent → seen | expected → outcome | reason expected → given | flow | why |",
                  "|---|---|---|---|---|---|"]
        for r in misses:
            why = (r.get("reason") or "").replace("|", "/").replace("\n", " ")[:120]
            wrong = f" WRONG: {'; '.join(r['wrong_actions'])}" if r.get("wrong_actions") else ""
            lines.append(f"| {r['id']} | {r['label_intent']} → {r['intent']} | {r['expected']} → {r['outcome']} "
                         f"| {r.get('expected_reason') or '—'} → {r.get('escalation') or '—'} | {r['flow']} | {why}{wrong} |")
    return "\n".join(lines) + "\n"
