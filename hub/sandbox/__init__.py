"""The shared kit vendor sandboxes are built from: OAuth server, control API, faults,
signed webhooks, TLS and seeds. A vendor writes a ``VendorSpec`` and its API routes.
Reference: docs/sandbox.md.
"""

from .consent import ConsentError, give_consent
from .control import ControlRequestError
from .discovery import discover
from .oauth import AuthFailure, Client, OAuthSettings, Token, User
from .seed import Seed, SeedError
from .server import RunningServer, Sandbox, VendorSpec, run_all, serve_app
from .tls import TLSFiles, ensure_certificates

__all__ = [
    "AuthFailure",
    "Client",
    "ConsentError",
    "ControlRequestError",
    "OAuthSettings",
    "RunningServer",
    "Sandbox",
    "Seed",
    "SeedError",
    "TLSFiles",
    "Token",
    "User",
    "VendorSpec",
    "discover",
    "ensure_certificates",
    "give_consent",
    "run_all",
    "serve_app",
]
