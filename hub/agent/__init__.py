"""The resolution agent: flows, policy, runs, approvals and the exactly-once effect ledger."""
