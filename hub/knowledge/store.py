"""Opening the chromadb collection, embedded or on a Chroma server, with our own embeddings.

chromadb's default embedding function downloads a model at first use; we always hand it an
adapter around the hub's LangChain ``Embeddings`` so nothing is fetched and queries and
documents share one vector space.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings as Vectors
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

from .errors import KnowledgeConfigError
from .settings import KnowledgeSettings


def embeddings_identity(embeddings: Embeddings) -> str:
    kind = type(embeddings)
    return f"{kind.__module__}.{kind.__qualname__}"


@register_embedding_function
class LangChainEmbeddingFunction(EmbeddingFunction[Documents]):
    """chromadb's view of a LangChain ``Embeddings``.

    Chroma records the function's name and config with the collection and rebuilds it when the
    collection is opened without one; that rebuilt copy has no model and refuses to embed, so
    a raw chromadb client can read the store but never silently mix in another model's vectors.
    """

    def __init__(self, embeddings: Embeddings | None, identity: str | None = None):
        self.embeddings = embeddings
        self.identity = identity or (embeddings_identity(embeddings) if embeddings else "unknown")

    def __call__(self, input: Documents) -> Vectors:
        return [np.asarray(v, dtype=np.float32) for v in self._model().embed_documents(list(input))]

    def embed_query(self, input: Documents) -> Vectors:
        model = self._model()
        return [np.asarray(model.embed_query(text), dtype=np.float32) for text in input]

    def _model(self) -> Embeddings:
        if self.embeddings is None:
            raise KnowledgeConfigError(
                f"this collection was embedded with {self.identity}; open it through "
                "hub.knowledge.KnowledgeBase, which supplies that model"
            )
        return self.embeddings

    @staticmethod
    def name() -> str:
        return "helpdesk-hub-langchain"

    def get_config(self) -> dict[str, Any]:
        return {"embeddings": self.identity}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "LangChainEmbeddingFunction":
        return LangChainEmbeddingFunction(None, identity=config.get("embeddings"))

    def default_space(self) -> str:
        return "cosine"


def open_client(settings: KnowledgeSettings):
    # Telemetry off: the hub makes no outbound calls except to the systems it is configured for.
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.url:
        parts = urlsplit(settings.url)
        ssl = parts.scheme == "https"
        try:
            return chromadb.HttpClient(
                host=parts.hostname or "localhost",
                port=parts.port or (443 if ssl else 8000),
                ssl=ssl,
                settings=chroma_settings,
            )
        except Exception as error:
            raise KnowledgeConfigError(
                f"cannot reach the Chroma server at knowledge.url={settings.url}: {error}"
            ) from error
    path = Path(settings.path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as error:
        raise KnowledgeConfigError(
            f"cannot open the knowledge store at knowledge.path={path}: {error}"
        ) from error


def open_collection(client, settings: KnowledgeSettings, embeddings: Embeddings):
    """The collection, checked to hold vectors from the same embeddings we were given."""
    identity = embeddings_identity(embeddings)
    function = LangChainEmbeddingFunction(embeddings)
    try:
        collection = client.get_or_create_collection(
            settings.collection,
            embedding_function=function,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embeddings": identity},
        )
    except ValueError as error:
        raise KnowledgeConfigError(f"cannot open knowledge collection {settings.collection!r}: {error}") from error
    stored = (collection.metadata or {}).get("embeddings")
    if stored != identity:
        raise KnowledgeConfigError(
            f"knowledge collection {settings.collection!r} holds vectors from {stored}, not {identity}; "
            "choose another knowledge.collection or rebuild it with `hub kb sync --rebuild`"
        )
    return collection
