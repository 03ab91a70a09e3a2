"""The intent taxonomy: config/intents.yaml read and checked into plain data."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import UnderstandingConfigError

UNSURE = "unsure"
MIN_EXAMPLES = 5  # cross-validated calibration needs a few held-out examples of every intent
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_NAMES = ("intents.yaml", "intents.yml", "intents.json")


@dataclass(frozen=True)
class Intent:
    name: str
    description: str
    examples: tuple[str, ...]
    threshold: float | None = None


@dataclass(frozen=True)
class Taxonomy:
    intents: tuple[Intent, ...]
    threshold: float
    source: Path | None = None

    @property
    def names(self) -> list[str]:
        return [intent.name for intent in self.intents]

    def threshold_for(self, name: str) -> float:
        for intent in self.intents:
            if intent.name == name and intent.threshold is not None:
                return intent.threshold
        return self.threshold

    def training_digest(self) -> str:
        """Hash of what training depends on; thresholds are left out so tuning them needs no retrain."""
        payload = [[i.name, list(i.examples)] for i in self.intents]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def find_taxonomy_file(config_dir: str | Path) -> Path:
    config_dir = Path(config_dir)
    for name in _FILE_NAMES:
        if (config_dir / name).is_file():
            return config_dir / name
    raise UnderstandingConfigError(
        f"No intent taxonomy in {config_dir} (looked for {', '.join(_FILE_NAMES)}); "
        "set --config-dir or HUB_CONFIG_DIR to the folder holding intents.yaml"
    )


def load_taxonomy(config_dir: str | Path) -> Taxonomy:
    path = find_taxonomy_file(config_dir)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UnderstandingConfigError(f"{path} is not valid YAML/JSON: {exc}") from None
    return parse_taxonomy(data, source=path)


def parse_taxonomy(data, source: Path | None = None) -> Taxonomy:
    where = str(source or "taxonomy")

    def fail(message):
        raise UnderstandingConfigError(f"{where}: {message}")

    if not isinstance(data, dict) or not isinstance(data.get("intents"), list) or not data["intents"]:
        fail("needs a top-level 'intents' list")
    threshold = _threshold(data.get("threshold", 0.5), "threshold", fail)
    intents, seen = [], set()
    for position, raw in enumerate(data["intents"], start=1):
        if not isinstance(raw, dict):
            fail(f"intent #{position} must be a mapping with name, description and examples")
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.match(name) or name == UNSURE:
            fail(f"intent #{position} needs a snake_case 'name' other than '{UNSURE}', got {name!r}")
        if name in seen:
            fail(f"intent {name!r} is defined twice")
        seen.add(name)
        description = raw.get("description")
        if not isinstance(description, str) or not description.strip():
            fail(f"intent {name!r} needs a 'description'")
        examples = raw.get("examples")
        if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
            fail(f"intent {name!r}: 'examples' must be a list of non-empty strings (quote any containing ': ')")
        if len(examples) < MIN_EXAMPLES:
            fail(f"intent {name!r} has {len(examples)} examples; at least {MIN_EXAMPLES} are needed")
        own = raw.get("threshold")
        intents.append(
            Intent(
                name=name,
                description=description.strip(),
                examples=tuple(e.strip() for e in examples),
                threshold=None if own is None else _threshold(own, f"{name}.threshold", fail),
            )
        )
    if len(intents) < 2:
        fail("needs at least two intents to tell apart")
    return Taxonomy(intents=tuple(intents), threshold=threshold, source=source)


def _threshold(value, label, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        fail(f"{label} must be a number between 0 and 1, got {value!r}")
    return float(value)
