"""Salesforce Service Cloud connector for helpdesk-hub (entry point: ``hub_salesforce.plugin``)."""
