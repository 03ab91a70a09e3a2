"""Injected failures: the next N requests are rate-limited or fail with a 5xx; latency on each.

The kit decides WHEN a request fails; the vendor's renderers decide what the failure looks
like (Zendesk's 429 + Retry-After, Salesforce's 403 REQUEST_LIMIT_EXCEEDED, ...).
"""

import threading
import time

import flask

SETTINGS = {
    # name: (default, smallest allowed, largest allowed)
    "rate_limit": (0, 0, 1_000_000),
    "server_error": (0, 0, 1_000_000),
    "latency_ms": (0, 0, 60_000),
    "retry_after": (1, 0, 3600),
    "server_error_status": (503, 500, 599),
}


class FaultError(ValueError):
    """A fault setting is unknown or out of range; the message names it."""


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        with self._lock:
            self._settings = {name: default for name, (default, _, _) in SETTINGS.items()}
            self._injected = {"rate_limit": 0, "server_error": 0}

    def update(self, changes):
        """Set the given settings (others keep their value); raises FaultError on bad input."""
        if not isinstance(changes, dict):
            raise FaultError("expected a JSON object of fault settings")
        for name, value in changes.items():
            if name not in SETTINGS:
                raise FaultError(f"unknown fault setting {name!r}; known: {', '.join(SETTINGS)}")
            _, low, high = SETTINGS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise FaultError(
                    f"{name} must be a whole number from {low} to {high}, not {value!r}"
                )
        with self._lock:
            self._settings.update(changes)

    def state(self):
        with self._lock:
            return {**self._settings, "injected": dict(self._injected)}

    def apply(self, render_rate_limit, render_server_error):
        """Delay this request, then return the vendor's failure response if one is due."""
        with self._lock:
            latency_ms = self._settings["latency_ms"]
        if latency_ms:
            time.sleep(latency_ms / 1000)
        with self._lock:
            settings = self._settings
            if settings["rate_limit"] > 0:
                settings["rate_limit"] -= 1
                self._injected["rate_limit"] += 1
                due = ("rate_limit", settings["retry_after"])
            elif settings["server_error"] > 0:
                settings["server_error"] -= 1
                self._injected["server_error"] += 1
                due = ("server_error", settings["server_error_status"])
            else:
                return None
        kind, argument = due
        renderer = render_rate_limit if kind == "rate_limit" else render_server_error
        return flask.make_response(renderer(argument))


def default_server_error(status):
    return flask.jsonify(
        error="Service unavailable", description="Injected by the sandbox."
    ), status
