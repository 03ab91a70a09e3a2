"""Which vendor scopes a connection needs, and why.

A connection needs the scopes of every tool an enabled flow may call (a flow is enabled while
any of its intents is not "off"; the hand-over flow always is), and, on a helpdesk, the scopes
of what the hub does to every ticket: learn who the requester is, reply, add notes, solve,
escalate, and sync help articles into the knowledge base. Scopes a connection was granted
beyond these are harmless; scopes missing from these make the tools that need them refuse.
"""

from collections import defaultdict

from .knowledge.connections import ARTICLE_VERB

#: What the hub does on every helpdesk ticket, by the verb each helpdesk connector maps to a tool.
TICKET_VERBS = {"reply": "replying", "note": "internal notes", "solve": "solving tickets",
                "escalate": "escalating to a person"}


def enabled_flows(hub):
    agent = hub.agent
    fallback = agent.fallback_flow()
    return [flow for flow in agent.flows.values()
            if flow is fallback or any(agent.policy.mode_for(intent) != "off" for intent in flow.intents)]


def needed(hub, connector_name):
    """``{scope: [why, ...]}`` for a connection of ``connector_name``."""
    connector = hub.connector(connector_name)
    tools = hub.registry.tools
    reasons = defaultdict(list)

    def need(tool_name, why):
        tool = tools.get(tool_name)
        for scope in tool.scopes if tool else ():
            if why not in reasons[scope]:
                reasons[scope].append(why)

    for flow in enabled_flows(hub):
        for tool_name in flow.tools():
            if tool_name.startswith(f"{connector_name}."):
                need(tool_name, f"flow {flow.name}: {tool_name}")
    if connector.ticket_call("reply", "0", "") is not None:  # a helpdesk: tickets live here
        for verb, why in TICKET_VERBS.items():
            call = connector.ticket_call(verb, "0", "")
            if call:
                need(call[0], why)
        for scope in connector.requester_scopes:
            reasons[scope].append("checking who the requester is")
        need(f"{connector_name}.{ARTICLE_VERB}", "knowledge base sync")
    return {scope: reasons[scope] for scope in sorted(reasons)}
