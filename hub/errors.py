"""Typed errors. Each carries enough to print one line that names the culprit."""


class HubError(Exception):
    """Base class for every error the hub raises on purpose."""


class ConfigError(HubError):
    """A configuration value is missing or wrong: names the file, the key and the reason."""

    def __init__(self, file, key, reason):
        self.file, self.key, self.reason = str(file), key, reason
        where = f"{self.file}: {key}" if key else self.file
        super().__init__(f"{where}: {reason}")


class PluginError(HubError):
    """A plugin failed to load, or registered something the core refuses."""


class WebhookRejected(HubError):
    """An inbound vendor request was refused: forged, unsigned, stale (401) or malformed (400)."""

    def __init__(self, reason, status=401):
        self.reason, self.status = reason, status
        super().__init__(reason)


class ConnectorError(HubError):
    """A vendor answered with an error; carries the vendor's own message and code."""

    retryable = False

    def __init__(self, connector, message, status=None, code=None):
        self.connector, self.message, self.status, self.code = connector, message, status, code
        detail = " ".join(str(part) for part in (status, code) if part)
        super().__init__(f"{connector}: {message}" + (f" ({detail})" if detail else ""))


class RateLimited(ConnectorError):
    """The vendor asked us to slow down; ``retry_after`` is its own hint in seconds, if any."""

    retryable = True

    def __init__(self, connector, message, retry_after=None, status=None, code=None):
        super().__init__(connector, message, status=status, code=code)
        self.retry_after = retry_after


class VendorUnavailable(ConnectorError):
    """The vendor is down or answered 5xx: worth retrying later."""

    retryable = True


class WriteOutcomeUnknown(VendorUnavailable):
    """A write was sent and its answer lost (a 5xx, a timeout, a dropped connection): the
    vendor may have done it. Only reading the vendor's state can tell, so the HTTP layer
    never sends it again by itself (``hub.writes.once`` reads, then decides)."""


class NotFound(ConnectorError):
    """The vendor has no such record."""


class ReconnectNeeded(ConnectorError):
    """The connection's grant is gone (revoked, or refresh failed): an operator must reconnect."""


class ToolRefused(HubError):
    """Policy or RBAC refused a tool call before it reached the vendor."""

    def __init__(self, tool, reason):
        self.tool, self.reason = tool, reason
        super().__init__(f"{tool}: {reason}")
