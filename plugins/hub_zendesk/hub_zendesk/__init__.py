"""Zendesk Support connector for helpdesk-hub (entry point: ``hub_zendesk.plugin``)."""
