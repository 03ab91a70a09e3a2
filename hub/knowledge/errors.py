"""Errors raised by the knowledge base."""

from ..errors import HubError


class KnowledgeError(HubError):
    """Base class: the message is written for the operator who reads it on the console."""


class KnowledgeConfigError(KnowledgeError):
    """A ``knowledge`` setting is missing, misspelt or has a bad value, or the store is unusable."""


class SourceError(KnowledgeError):
    """A source could not list its articles; nothing was changed in the store."""
