"""pytest plugin entry point for hub.testing."""
