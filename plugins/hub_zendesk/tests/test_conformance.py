"""The hub's connector conformance suite, run against the Zendesk sandbox."""

from hub.testing import ConnectorConformance


class TestConformance(ConnectorConformance):
    connector_name = "zendesk"
    production_instance = "brightline"
    probe_tool = "zendesk.get_ticket"
    # Each action works on its own seeded ticket so the checks do not depend on their order.
    tool_examples = {
        "zendesk.get_ticket": {"ticket_id": "101"},
        "zendesk.list_tickets": {"requester_email": "maya.chen@example.com", "page_size": 2},
        "zendesk.find_user": {"email": "tomas.alvarez@example.com"},
        "zendesk.list_groups": {},
        "zendesk.search_articles": {"query": "how long does a refund take"},
        "zendesk.list_articles": {"page_size": 4},
        "zendesk.reply": {"ticket_id": "106", "body": "Hi Maya, the courier has now activated your tracking number."},
        "zendesk.add_note": {"ticket_id": "102", "body": "Photos confirm the jug is cracked; refund approved."},
        "zendesk.set_status": {"ticket_id": "108", "status": "pending"},
        "zendesk.set_tags": {"ticket_id": "109", "tags": ["battery"], "mode": "add"},
    }
    # The seed holds 15 tickets; two per page needs eight requests.
    pagination = ("zendesk.list_tickets", {"page_size": 2}, "tickets", 15)
    ticket_for_escalation = "103"
    escalation_group = "Tier 2"
