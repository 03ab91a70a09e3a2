"""`hub demo`: the whole product on one machine — sandboxes, hub, workers and a ticket backlog."""
