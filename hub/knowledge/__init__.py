"""Knowledge base: help articles from local folders and connected helpdesks, answered with citations.

    from hub.knowledge import KnowledgeBase, LocalFolderSource
    kb = KnowledgeBase.open(settings)
    kb.sync(LocalFolderSource("kb"))
    kb.sync(ConnectionSource(hub, connection))      # a connected helpdesk's list_articles tool
    answer = kb.ask("How long do refunds take?")   # answer.refused, .text, .citations

See docs/knowledge.md for settings, the source seam and measured quality.
"""

from .answer import Answer, Hit
from .articles import Article
from .connections import ConnectionSource
from .errors import KnowledgeConfigError, KnowledgeError, SourceError
from .knowledge_base import KnowledgeBase, SyncResult
from .sources import CallableSource, LocalFolderSource

__all__ = [
    "Answer",
    "Article",
    "CallableSource",
    "ConnectionSource",
    "Hit",
    "KnowledgeBase",
    "KnowledgeConfigError",
    "KnowledgeError",
    "LocalFolderSource",
    "SourceError",
    "SyncResult",
]
