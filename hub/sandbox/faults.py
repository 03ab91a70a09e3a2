"""Injected failures: the next N requests are rate-limited or fail with a 5xx; latency on each;
and writes whose answer is lost — done at the vendor, then answered with a 5xx or a dropped
connection, as when a load balancer times out on a slow write.

The kit decides WHEN a request fails; the vendor's renderers decide what the failure looks
like (Zendesk's 429 + Retry-After, Salesforce's 403 REQUEST_LIMIT_EXCEEDED, ...). Which
requests are writes the vendor says too (a Shopify mutation is a POST, and so is a query).
"""

import random
import socket
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
    # The next N writes are done, then answered with server_error_status / cut off unanswered.
    "lost_answer": (0, 0, 1_000_000),
    "dropped_answer": (0, 0, 1_000_000),
    # Each write, with this chance in percent, is done and then answered with a 5xx / cut off.
    "lost_answer_percent": (0, 0, 100),
    "dropped_answer_percent": (0, 0, 100),
    # How long a write whose answer is lost is held first: a client that waits less times out.
    "lost_answer_delay_ms": (0, 0, 60_000),
    # Seeds the draws of the *_percent settings, so a failing run can be repeated.
    "seed": (0, 0, 2**31 - 1),
}
#: How a lost answer is lost.
ERROR, DROP = "error", "drop"


class FaultError(ValueError):
    """A fault setting is unknown or out of range; the message names it."""


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        with self._lock:
            self._settings = {name: default for name, (default, _, _) in SETTINGS.items()}
            self._injected = {"rate_limit": 0, "server_error": 0, "lost_answer": 0, "dropped_answer": 0}
            self._random = random.Random(0)

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
            if "seed" in changes:
                self._random = random.Random(changes["seed"])

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

    def lose_answer(self):
        """For a write about to be done: ERROR or DROP if its answer is to be lost, else None."""
        with self._lock:
            settings = self._settings
            for way, count, percent in ((ERROR, "lost_answer", "lost_answer_percent"),
                                        (DROP, "dropped_answer", "dropped_answer_percent")):
                if settings[count] > 0:
                    settings[count] -= 1
                    return way
            # One draw per write past the counted ones, so a seed replays the same writes.
            draw = self._random.uniform(0, 100)
            if draw < settings["lost_answer_percent"]:
                return ERROR
            if draw < settings["lost_answer_percent"] + settings["dropped_answer_percent"]:
                return DROP
            return None

    def lost(self, way, response, render_server_error):
        """The answer a done write gets instead of ``response`` (which only a failed write keeps)."""
        if response.status_code >= 400:
            return response  # the vendor refused it: nothing was done, nothing to lose
        with self._lock:
            delay_ms, status = self._settings["lost_answer_delay_ms"], self._settings["server_error_status"]
            self._injected["lost_answer" if way == ERROR else "dropped_answer"] += 1
        if delay_ms:
            time.sleep(delay_ms / 1000)
        if way == ERROR:
            return flask.make_response(render_server_error(status))
        _cut_off(flask.request.environ)
        return response  # werkzeug finds the socket closed and drops the answer


def _cut_off(environ):
    """Close the client's connection: it sees the server hang up without a word."""
    connection = environ.get("werkzeug.socket")
    if connection is None:
        raise RuntimeError("dropped_answer needs the werkzeug server (no werkzeug.socket in the environ)")
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone


def default_server_error(status):
    return flask.jsonify(
        error="Service unavailable", description="Injected by the sandbox."
    ), status


def is_write(request):
    """The default: every method but GET, HEAD and OPTIONS changes something."""
    return request.method not in ("GET", "HEAD", "OPTIONS")
