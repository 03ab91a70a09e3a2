"""helpdesk-hub: connect helpdesks and business systems, and resolve tickets across them."""

from pluggy import HookimplMarker

__version__ = "0.1.0"

#: Marker for hook implementations: ``@hookimpl def register_connectors(register): ...``
hookimpl = HookimplMarker("helpdesk_hub")
