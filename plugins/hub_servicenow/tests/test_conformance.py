"""The hub's connector conformance suite, run against the ServiceNow sandbox."""

from hub.testing import ConnectorConformance

INCIDENT = "9d385017c611228701d22104cc950102"  # INC0010002: Ada's MFA incident, with her comment


class TestConformance(ConnectorConformance):
    connector_name = "servicenow"
    production_instance = "acme"
    ticket_kind = "incident"
    ticket_for_escalation = INCIDENT
    escalation_group = "Network"
    tool_examples = {
        "servicenow.get_incident": {"incident": "INC0010002"},
        "servicenow.list_incidents": {"email": "ada@example.com"},
        "servicenow.find_user": {"email": "ada@example.com"},
        "servicenow.get_user_manager": {"email": "ada@example.com"},
        "servicenow.find_direct_report": {"manager_email": "grace@example.com", "name": "Ada"},
        "servicenow.get_request": {"request": "REQ0010002"},
        "servicenow.list_request_items": {"email": "abel.tuter@example.com"},
        "servicenow.list_articles": {},
        "servicenow.search_articles": {"query": "vpn keeps disconnecting"},
        "servicenow.comment": {"incident": "INC0010006", "text": "We are looking into it."},
        "servicenow.work_note": {"incident": "INC0010006", "text": "Caller verified by phone."},
        "servicenow.resolve": {"incident": "INC0010008", "close_code": "Solution provided",
                               "close_notes": "Access point in Babbage replaced."},
        "servicenow.set_state": {"incident": "INC0010002", "state": "on_hold", "hold_reason": "awaiting_caller"},
        "servicenow.order_catalog_item": {"item": "Slack", "email": "ada@example.com",
                                          "justification": "Joining the platform team channel."},
        "servicenow.reset_password": {"email": "abel.tuter@example.com"},
    }
    # Ada raised five incidents; two per page needs three requests.
    pagination = ("servicenow.list_incidents", {"email": "ada@example.com", "page_size": 2}, "incidents", 5)
