"""The core's own behaviour, registered as plugins like any third party's (see hub.plugins)."""
