"""The ``knowledge`` section of the hub settings, validated once so a typo stops start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import KnowledgeConfigError

# Fitted on eval/knowledge.jsonl with the default (multilingual USE) embeddings, see
# docs/knowledge.md: confidence = sigmoid(slope * best_cosine_similarity + intercept).
# MiniLM's were {"slope": 14.005, "intercept": -5.963}.
DEFAULT_CALIBRATION = {"slope": 15.569, "intercept": -4.788}


NoneType = type(None)
TYPES = {
    "path": (str,),
    "url": (str, NoneType),
    "collection": (str,),
    "threshold": (int, float),
    "calibration": (dict,),
    "calibrations": (dict,),
    "top_k": (int,),
    "chunk_size": (int,),
    "chunk_overlap": (int,),
    "max_answer_chars": (int,),
    "max_question_chars": (int,),
    "max_article_chars": (int,),
    "folders": (list,),
    "connections": (list,),
}


@dataclass(frozen=True)
class KnowledgeSettings:
    path: str = "var/chroma"  # when unset: <data_dir>/chroma, data_dir being the hub's (default var)
    url: str | None = None
    collection: str = "knowledge"
    threshold: float = 0.5
    calibration: dict = field(default_factory=lambda: dict(DEFAULT_CALIBRATION))
    #: Per language other than English: {language: {slope, intercept}}, fitted on questions in that
    #: language (``hub kb eval``). Similarities between a question and articles in another language
    #: are not distributed as English ones are, so a language without one is never answered.
    calibrations: dict = field(default_factory=dict)
    top_k: int = 5
    chunk_size: int = 700
    chunk_overlap: int = 100
    max_answer_chars: int = 900
    max_question_chars: int = 2000
    max_article_chars: int = 2_000_000
    folders: list = field(default_factory=list)
    connections: list = field(default_factory=list)  # connection ids whose articles `hub kb sync` reads

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> "KnowledgeSettings":
        """Read ``settings["knowledge"]``; unknown keys and wrong types are errors, not ignored."""
        settings = as_mapping(settings)
        section = settings.get("knowledge") or {}
        if not isinstance(section, Mapping):
            raise KnowledgeConfigError("settings key 'knowledge' must be a mapping")
        unknown = sorted(set(section) - set(TYPES))
        if unknown:
            raise KnowledgeConfigError(
                f"unknown setting knowledge.{unknown[0]} (known: {', '.join(TYPES)})"
            )
        for name, value in section.items():
            expected = TYPES[name]
            if isinstance(value, bool) or not isinstance(value, expected):
                raise KnowledgeConfigError(
                    f"knowledge.{name} must be {' or '.join(t.__name__ for t in expected)}, got {value!r}"
                )
        if "path" not in section and settings.get("data_dir"):
            section = {**section, "path": str(Path(settings["data_dir"]) / "chroma")}
        made = cls(**section)
        made._validate()
        return made

    def _validate(self):
        if not 0.0 <= self.threshold <= 1.0:
            raise KnowledgeConfigError(f"knowledge.threshold must be between 0 and 1, got {self.threshold}")
        if not _is_calibration(self.calibration):
            raise KnowledgeConfigError("knowledge.calibration must be {slope: number, intercept: number}")
        for language, calibration in self.calibrations.items():
            if not _is_calibration(calibration):
                raise KnowledgeConfigError(
                    f"knowledge.calibrations.{language} must be {{slope: number, intercept: number}}"
                )
        for name in ("top_k", "chunk_size", "max_answer_chars", "max_question_chars", "max_article_chars"):
            if getattr(self, name) < 1:
                raise KnowledgeConfigError(f"knowledge.{name} must be at least 1")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise KnowledgeConfigError("knowledge.chunk_overlap must be at least 0 and below chunk_size")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise KnowledgeConfigError(f"knowledge.url must be an http(s) URL, got {self.url!r}")
        for entry in self.connections:
            if not isinstance(entry, str) or not entry.strip():
                raise KnowledgeConfigError(f"knowledge.connections entries must be connection ids, got {entry!r}")

    def calibration_for(self, language: str | None) -> dict | None:
        """The calibration for questions in ``language`` (English's for English or any language),
        or None when that language has none: its answers cannot be trusted yet."""
        if language in (None, "en"):
            return self.calibration
        return self.calibrations.get(language)

    def folder_sources(self) -> list[tuple[str | None, Path]]:
        """``folders`` entries as (name, path): a plain path, or ``{name: ..., path: ...}``."""
        result = []
        for entry in self.folders:
            if isinstance(entry, str):
                result.append((None, Path(entry)))
            elif isinstance(entry, Mapping) and isinstance(entry.get("path"), str):
                result.append((entry.get("name"), Path(entry["path"])))
            else:
                raise KnowledgeConfigError(
                    f"knowledge.folders entries must be a path or {{name, path}}, got {entry!r}"
                )
        return result


def _is_calibration(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"slope", "intercept"} and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()
    )


def as_mapping(settings: Any) -> Mapping[str, Any]:
    """The hub's settings as a plain mapping, whether given as a dict or its pydantic model."""
    if settings is None:
        return {}
    if hasattr(settings, "model_dump"):
        return settings.model_dump(mode="json")
    if not isinstance(settings, Mapping):
        raise KnowledgeConfigError(f"settings must be a mapping, got {type(settings).__name__}")
    return settings
