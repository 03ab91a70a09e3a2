"""Outbound events: signed POSTs to the configured hub URL, with the vendor's retries.

One worker thread per sandbox delivers events in the order they were emitted (a retried event
holds back the ones after it, as vendors that guarantee ordering do); ``emit`` only enqueues,
so API requests never wait for delivery. Each attempt is recorded for ``/_sandbox/deliveries``.
"""

import collections
import datetime
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

LOG_SIZE = 1000


def retry_any_failure(status_code):
    """Default: retry connection errors (``None``) and every non-2xx answer."""
    return True


@dataclass
class Delivery:
    id: str
    url: str
    secret: str
    body: bytes
    headers: dict
    created_at: str
    status: str = "pending"  # then "delivered" or "failed"
    attempts: list = field(default_factory=list)

    def as_json(self):
        try:
            body = json.loads(self.body)
        except ValueError:
            body = self.body.decode("utf-8", "replace")
        return {
            "id": self.id,
            "url": self.url,
            "status": self.status,
            "created_at": self.created_at,
            "headers": self.headers,
            "body": body,
            "attempts": list(self.attempts),
        }


class WebhookDispatcher:
    """``sign(body: bytes, secret: str) -> dict`` adds the vendor's signature headers per
    attempt; ``retry_delays`` are the waits (seconds) before attempts 2, 3, ...; after the last
    one the delivery is marked failed."""

    def __init__(
        self, sign=None, retry_delays=(1, 2, 4), should_retry=retry_any_failure, timeout=5
    ):
        self.sign = sign
        self.retry_delays = tuple(retry_delays)
        self.should_retry = should_retry
        self.timeout = timeout
        self.target = None  # {"url": ..., "secret": ...}
        self._log = collections.deque(maxlen=LOG_SIZE)
        self._queue = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._stopping = None
        self._worker = None
        self._session = requests.Session()
        # Deliver straight to the configured URL: proxy variables from the environment must not
        # route a loopback hub through a proxy.
        self._session.trust_env = False

    def configure(self, url, secret=""):
        self.target = {"url": url, "secret": secret}

    def disable(self):
        self.target = None

    def emit(self, body, headers=None):
        """Queue one event for the configured target; returns its Delivery, or None when no
        target is configured (a vendor with no subscription sends nothing)."""
        target = self.target
        if target is None:
            return None
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        delivery = Delivery(
            id=uuid.uuid4().hex,
            url=target["url"],
            secret=target["secret"],
            body=body,
            headers={"Content-Type": "application/json", **(headers or {})},
            created_at=_now(),
        )
        with self._idle:
            self._pending += 1
            self._log.append(delivery)
        self._ensure_worker()
        self._queue.put(delivery)
        return delivery

    def deliveries(self):
        with self._idle:
            return [delivery.as_json() for delivery in self._log]

    def clear_log(self):
        with self._idle:
            self._log.clear()

    def wait_until_idle(self, timeout=10):
        """Block until every emitted event is delivered or given up; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def stop(self):
        """Stop delivering. Queued events wait for a later emit to start a new worker; one
        interrupted during its backoff stays "pending" in the log."""
        with self._idle:
            worker, stopping, self._worker = self._worker, self._stopping, None
        if worker is not None:
            stopping.set()
            worker.join(timeout=self.timeout + 1)

    def _ensure_worker(self):
        with self._idle:
            if self._worker is None:
                # Each worker gets its own stop event, so one that outlives stop() (stuck in an
                # HTTP timeout) can never be revived by the next worker's start.
                self._stopping = threading.Event()
                self._worker = threading.Thread(
                    target=self._run, args=(self._stopping,), name="sandbox-webhooks", daemon=True
                )
                self._worker.start()

    def _run(self, stopping):
        while not stopping.is_set():
            try:
                delivery = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                self._deliver(delivery, stopping)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, delivery, stopping):
        delays = (0,) + self.retry_delays
        for number, delay in enumerate(delays, start=1):
            # Waiting on the stop event keeps shutdown prompt during a long backoff.
            if delay and stopping.wait(delay):
                return
            status_code = self._attempt(delivery, number)
            if status_code is not None and 200 <= status_code < 300:
                delivery.status = "delivered"
                return
            if not self.should_retry(status_code):
                break
        delivery.status = "failed"

    def _attempt(self, delivery, number):
        started = time.monotonic()
        status_code = error = None
        try:
            headers = dict(delivery.headers)
            if self.sign is not None:
                headers.update(self.sign(delivery.body, delivery.secret))
            response = self._session.post(
                delivery.url, data=delivery.body, headers=headers, timeout=self.timeout
            )
            status_code = response.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a vendor signer bug must not kill the delivery thread
            error = f"signing failed: {type(exc).__name__}: {exc}"
        delivery.attempts.append(
            {
                "number": number,
                "at": _now(),
                "status_code": status_code,
                "error": error,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            }
        )
        return status_code


def _now():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
