"""Help articles of a connected helpdesk, listed through the hub's own tool-call path.

A connector that keeps help articles registers a ``<connector>.list_articles`` lookup tool.
Knowledge sync calls it through ``Hub.call`` like any agent lookup, so the guard's RBAC, the
connection's status and granted scopes, and the audit log apply to it too (actor ``kb-sync``).
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

from sqlmodel import select

from hub.db import session_scope
from hub.errors import ConnectorError, ReconnectNeeded, RateLimited, ToolRefused, VendorUnavailable
from hub.models import Connection, ConnectionStatus
from hub.tools import CallContext

from .articles import Article
from .errors import KnowledgeError, SourceError
from .sources import as_datetime

ARTICLE_VERB = "list_articles"
ACTOR, ROLE = "kb-sync", "agent"

def article_tool_name(connector: str) -> str:
    return f"{connector}.{ARTICLE_VERB}"


def lists_articles(hub, connector: str) -> bool:
    return article_tool_name(connector) in hub.registry.tools


class ConnectionSource:
    """Every article a connection's ``list_articles`` tool lists, as ``Article``.

    The source is named ``<connector>:<connection id>``, so each connection's articles are
    added, updated and deleted only by its own syncs. ``page_size`` (default: the largest the
    tool accepts) is handed to the tool, which follows the vendor's pages to the end itself.
    """

    def __init__(self, hub, connection, page_size: int | None = None):
        self.hub, self.connection = hub, connection
        self.tool = hub.registry.tools.get(article_tool_name(connection.connector))
        if self.tool is None:
            raise KnowledgeError(no_articles_message(hub, connection))
        self.name = f"{connection.connector}:{connection.id}"
        self.page_size = page_size

    def __repr__(self):
        return f"ConnectionSource({self.name!r})"

    def articles(self) -> Iterator[Article]:
        result = self._list()
        items = result.get("articles") if isinstance(result, Mapping) else None
        if not isinstance(items, list):
            raise SourceError(f"{self.tool.name} answered without an 'articles' list; nothing was changed")
        if result.get("truncated"):
            # A partial listing would delete every article past the cut: refuse it whole.
            raise SourceError(
                f"{self.tool.name} stopped before the last of connection {self.connection.id}'s articles "
                f"({len(items)} listed); nothing was changed"
            )
        articles = [self._article(item) for item in items]
        if articles and not any(article.body.strip() for article in articles):
            raise SourceError(
                f"{self.tool.name} lists {len(articles)} articles but none with a body (body_html, "
                "body_markdown or body): this connector version cannot feed the knowledge base; nothing was changed"
            )
        yield from articles

    def _list(self) -> Any:
        context = CallContext(actor=ACTOR, role=ROLE)
        try:
            return self.hub.call(self.tool.name, self.connection, self.arguments(), context=context)
        except ReconnectNeeded as error:
            raise SourceError(reconnect_message(self.connection, error.message)) from error
        except (VendorUnavailable, RateLimited) as error:
            raise SourceError(
                f"{self.connection.connector} is not answering for connection {self.connection.id} ({error}); "
                "the knowledge base was left as it was — sync again later"
            ) from error
        except ConnectorError as error:
            raise SourceError(f"connection {self.connection.id} could not list its articles: {error}") from error
        except ToolRefused as error:
            # The guard refuses a connection marked for reconnecting before any request is made.
            if self.connection.status == ConnectionStatus.reconnect_needed:
                raise SourceError(reconnect_message(self.connection, self.connection.status_reason)) from error
            raise SourceError(f"knowledge sync may not list articles of connection {self.connection.id}: {error}") from error

    def arguments(self) -> dict:
        """The largest pages (fewest requests) and no item limit, within the tool's own schema."""
        properties = (self.tool.input_schema or {}).get("properties") or {}
        arguments = {}
        if "page_size" in properties:
            largest = properties["page_size"].get("maximum")
            size = self.page_size or largest
            if size is not None:
                arguments["page_size"] = size
        if "limit" in properties and properties["limit"].get("maximum") is not None:
            arguments["limit"] = properties["limit"]["maximum"]
        return arguments

    def _article(self, item: Any) -> Article:
        if not isinstance(item, Mapping):
            raise SourceError(f"{self.tool.name} listed {type(item).__name__}, not an article")
        # A version-independent id first (Salesforce publishes each edit as a new version id):
        # re-syncing an edited article must update it, not delete one and add another.
        remote_id = item.get("article_id") or item.get("id")
        for key in ("body_html", "body_markdown", "body"):
            if item.get(key) is not None:
                body, is_html = item[key], {"body_html": True, "body_markdown": False}.get(key)
                break
        else:
            body, is_html = "", None
        try:
            return Article(
                source=self.name,
                remote_id=str(remote_id) if remote_id is not None else "",
                title=item.get("title") or "",
                url=item.get("url") or self._page_url(item),
                body=body,
                updated_at=as_datetime(item.get("updated_at") or item.get("published_at")),
                is_html=is_html,
            )
        except (TypeError, ValueError) as error:
            raise SourceError(f"{self.tool.name} listed a malformed article: {error}") from error

    def _page_url(self, item: Mapping) -> str:
        connector = self.hub.registry.connectors.get(self.connection.connector)
        template = getattr(connector, "article_page", None)
        if template is None:
            return ""
        parts = urlsplit(self.connection.api_base_url)
        try:
            return template.format_map({**item, "origin": f"{parts.scheme}://{parts.netloc}"})
        except KeyError:
            return ""  # sync skips it: "no title or URL to cite it by"


def no_articles_message(hub, connection) -> str:
    connector = connection.connector
    if connector not in hub.registry.connectors:
        return f"connection {connection.id} is a {connector} connection, and no {connector} connector is installed"
    return (
        f"connection {connection.id} is a {connector} connection; the {connector} connector keeps no help "
        f"articles (it registers no {article_tool_name(connector)} tool)"
    )


def reconnect_message(connection, reason: str | None) -> str:
    because = f" ({reason})" if reason else ""
    return (
        f"connection {connection.id} ({connection.connector}) needs reconnecting{because}: connect it again "
        "from the hub's setup page, then sync; the knowledge base was left as it was"
    )


def connection_sources(hub, connection_ids=(), all_connections: bool = False) -> list[ConnectionSource]:
    """Sources for the named connections, plus every connected one that lists articles if asked.

    Unknown ids and connections whose connector keeps no articles are errors before anything
    syncs, so a typo never half-runs a sync.
    """
    with session_scope(hub.engine) as session:
        rows = {row.id: row for row in session.exec(select(Connection))}
    chosen = []
    for connection_id in dict.fromkeys(connection_ids):
        connection = rows.get(connection_id)
        if connection is None:
            known = ", ".join(f"{row.id} ({row.connector})" for row in rows.values()) or "none"
            raise KnowledgeError(f"no connection {connection_id!r} (connections: {known})")
        chosen.append(connection)
    if all_connections:
        named = {connection.id for connection in chosen}
        chosen += [
            row for row in rows.values()
            if row.id not in named and row.status == ConnectionStatus.connected and lists_articles(hub, row.connector)
        ]
    return [ConnectionSource(hub, connection) for connection in chosen]
