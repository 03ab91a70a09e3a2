"""Test helpers for connector authors (the conformance suite lands here)."""
