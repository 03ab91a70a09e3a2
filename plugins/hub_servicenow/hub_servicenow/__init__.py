"""helpdesk-hub connector for ServiceNow (Table API, Service Catalog, business-rule push)."""
