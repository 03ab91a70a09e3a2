"""Errors raised by the understanding layer."""

from hub.errors import HubError


class UnderstandingConfigError(HubError):
    """The embedding provider, language model or taxonomy is missing or misconfigured.

    The message always says what to install or which setting to change, because this error
    stops start-up and an operator reads it on the console.
    """
