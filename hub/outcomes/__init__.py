"""Outcomes: what the agent achieved (KPIs), what it earns (billing), what customers think of
it (surveys), and how it would do on labelled tickets before it is trusted with them (replay)."""
