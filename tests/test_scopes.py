"""The scopes a connection needs follow the enabled flows and the hub's own ticket work."""

import yaml

from hub import scopes
from hub.runtime import Hub


def hub_with(config_dir, **intent_modes):
    path = config_dir / "policy.yaml"
    policy = yaml.safe_load(path.read_text())
    for intent, mode in intent_modes.items():
        policy.setdefault("intents", {}).setdefault(intent, {})["mode"] = mode
    path.write_text(yaml.safe_dump(policy))
    return Hub.load(config_dir, env={})


ACCOUNT_INTENTS = ("account_create", "account_edit", "account_switch", "account_delete", "newsletter")


def test_each_needed_scope_says_what_needs_it(config_dir):
    hub = Hub.load(config_dir, env={})
    shopify = scopes.needed(hub, "shopify")
    assert "flow refund: shopify.refund" in shopify["write_orders"]
    assert "flow account_update: shopify.set_email_marketing" in shopify["write_customers"]
    zendesk = scopes.needed(hub, "zendesk")
    assert "checking who the requester is" in zendesk["users:read"]
    assert "replying" in zendesk["tickets:write"]
    assert zendesk["hc:read"] == ["knowledge base sync"]


def test_switching_a_flows_intents_off_drops_the_scopes_only_it_needs(config_dir):
    hub = hub_with(config_dir, **{intent: "off" for intent in ACCOUNT_INTENTS})
    shopify = scopes.needed(hub, "shopify")
    assert "write_customers" not in shopify and "read_customers" not in shopify
    assert "read_orders" in shopify  # other flows still read orders
    assert "account_update" not in {flow.name for flow in scopes.enabled_flows(hub)}


def test_the_hand_over_flow_is_always_enabled(config_dir):
    hub = hub_with(config_dir, **{intent: "off" for flow in Hub.load(config_dir, env={}).agent.flows.values()
                                  for intent in flow.intents})
    assert [flow.name for flow in scopes.enabled_flows(hub)] == ["handoff"]
    # The hub still replies, escalates and checks requesters on every helpdesk ticket.
    assert set(scopes.needed(hub, "servicenow")) == {"useraccount"}
    assert scopes.needed(hub, "shopify") == {}
