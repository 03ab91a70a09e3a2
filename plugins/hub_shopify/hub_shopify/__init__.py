"""Shopify Admin connector for helpdesk-hub: the business system behind support tickets."""
