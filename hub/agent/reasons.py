"""Why a run handed its ticket to a person, as a code that can be counted.

A run's ``reason`` is prose with the specifics (amounts, names, the phrase that fired); its
``escalation`` is one of these codes, so the dashboard, ``hub eval`` and the handoff note can
group hand-overs by what caused them. Risk triggers are ``risk:<trigger>``.
"""

CODES = {
    "risk": "a risk trigger fired (legal threat, chargeback, safety, security …)",
    "injection": "the ticket tries to instruct the agent",
    "language": "written in a language the agent does not answer in",
    "unsure": "the agent could not tell confidently what was asked",
    "contradiction": "the ticket asks for a thing and against it, or takes its request back",
    "conditional": "the request is to be carried out only if something that has not happened yet does",
    "third_party": "the request concerns someone other than the requester",
    "audience": "the request belongs to the other helpdesk's world (customers or employees)",
    "no_flow": "a request people handle (complaint, talk to a human …)",
    "no_answer": "the knowledge base has no confident answer",
    "several": "part of a ticket with several requests could not be finished",
    "not_verified": "the requester is not the owner of the account or order",
    "not_found": "the order, account or record does not exist",
    "limit": "beyond what the policy lets the agent do (amounts, actions, steps)",
    "asks": "the customer did not give what the agent asked for",
    "flow": "the flow's own rule (outside the return window, inactive account …)",
    "rejected": "a person rejected the proposed action",
    "refused": "the hub's guard refused a tool call (scope, role, connection)",
    "vendor": "a vendor kept failing or answered an error",
    "internal": "an internal error in the hub",
}


def code_of(code):
    """The family of a code: ``risk:legal`` → ``risk``."""
    return (code or "").split(":", 1)[0]


def valid(code):
    return code_of(code) in CODES


def describe(code):
    """One line for people: ``risk:legal`` → "risk trigger: legal"."""
    family, _, detail = (code or "").partition(":")
    if family == "risk" and detail:
        return f"risk trigger: {detail.replace('_', ' ')}"
    return CODES.get(family, code or "other")
