"""The shared connector conformance suite (hub.testing) run against the Salesforce sandbox."""

from hub.testing import ConnectorConformance

ADA_CASE = "5005g00000S0001AAB"  # "Charged twice for my November invoice", Ada Lovelace


class TestConformance(ConnectorConformance):
    connector_name = "salesforce"
    production_instance = "northwind"
    ticket_kind = "case"
    ticket_for_escalation = ADA_CASE
    escalation_group = "Tier_2"
    tool_examples = {
        "salesforce.get_case": {"case_id": ADA_CASE},
        "salesforce.list_cases": {"email": "ada@example.com"},
        "salesforce.find_contact": {"email": "ada@example.com"},
        "salesforce.list_queues": {},
        "salesforce.search_articles": {"query": "How do I reset my password?"},
        "salesforce.list_articles": {},
        "salesforce.comment": {"case_id": ADA_CASE, "body": "We have refunded the duplicate charge."},
        "salesforce.add_note": {"case_id": ADA_CASE, "body": "Refund issued in the payment processor."},
        "salesforce.set_status": {"case_id": ADA_CASE, "status": "Working"},
    }
    probe_tool = "salesforce.find_contact"
    # Ada Lovelace has four cases; two per query batch means two pages.
    pagination = ("salesforce.list_cases", {"email": "ada@example.com", "page_size": 2}, "cases", 4)
    skip = {
        "webhook_tampered_rejected": (
            "Outbound Messages are not signed, so a changed body from the connected org cannot be told "
            "from a real one; the hub checks the OrganizationId instead (forged org ids are refused in "
            "tests/test_ingest.py)."
        ),
        "webhook_unsigned_rejected": (
            "Outbound Messages carry no signature header at all; security is the OrganizationId check, "
            "TLS and Salesforce's IP ranges (README)."
        ),
        "webhook_stale_rejected": (
            "Outbound Messages carry no timestamp and Salesforce legitimately retries them for 24 hours; "
            "redeliveries are de-duplicated by Notification Id. Freshness is checked on the emulator-only "
            "change event (tests/test_ingest.py)."
        ),
    }
