"""The intent taxonomy: config/intents.yaml and config/examples/<lang>.yaml read and checked.

intents.yaml names the intents, describes them and sets thresholds; the example utterances the
classifier learns from are kept one file a language beside it, so each language's author edits
their own file. An intents.yaml may still list `examples:` inline (a small custom taxonomy).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import UnderstandingConfigError

UNSURE = "unsure"
OUT_OF_SCOPE = "out_of_scope"  # the intent whose examples are the out-of-domain negatives
MIN_EXAMPLES = 5  # cross-validated calibration needs a few held-out examples of every intent
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_NAMES = ("intents.yaml", "intents.yml", "intents.json")
EXAMPLES_DIR = "examples"
_LANGUAGE = re.compile(r"^[a-z]{2}$")
INLINE = "inline"  # the language key of examples written inside intents.yaml


@dataclass(frozen=True)
class Intent:
    name: str
    description: str
    examples: tuple[str, ...]  # every language's, in file order
    threshold: float | None = None
    acting: bool = False  # its flow writes to a vendor: needs positive evidence
    languages: tuple[tuple[str, int], ...] = ()  # (language, number of its examples)


@dataclass(frozen=True)
class Taxonomy:
    intents: tuple[Intent, ...]
    threshold: float
    source: Path | None = None
    acting_threshold: float | None = None  # default threshold of acting intents
    # An answer's nearest training example must be closer than the nearest out_of_scope one by
    # this much (cosine); acting intents by the stricter acting_domain_margin.
    domain_margin: float | None = None
    acting_domain_margin: float | None = None

    @property
    def names(self) -> list[str]:
        return [intent.name for intent in self.intents]

    @property
    def acting(self) -> frozenset[str]:
        return frozenset(i.name for i in self.intents if i.acting)

    def threshold_for(self, name: str) -> float:
        for intent in self.intents:
            if intent.name == name:
                if intent.threshold is not None:
                    return intent.threshold
                if intent.acting and self.acting_threshold is not None:
                    return self.acting_threshold
        return self.threshold

    def domain_margin_for(self, name: str) -> float | None:
        if name == OUT_OF_SCOPE:
            return None
        if name in self.acting and self.acting_domain_margin is not None:
            return self.acting_domain_margin
        return self.domain_margin

    def languages(self) -> list[str]:
        return sorted({language for i in self.intents for language, _ in i.languages})

    def training_digest(self) -> str:
        """Hash of what training depends on: every example of every language, by intent.

        Thresholds are left out so tuning them needs no retrain.
        """
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


# libyaml's parser when PyYAML was built with it: the example files hold thousands of lines and
# the pure-Python parser takes a third of a second over them at every start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UnderstandingConfigError(f"{path} is not valid YAML/JSON: {exc}") from None


def load_taxonomy(config_dir: str | Path) -> Taxonomy:
    """intents.yaml of config_dir with the examples of every config_dir/examples/<lang>.yaml."""
    path = find_taxonomy_file(config_dir)
    examples = {}
    folder = path.parent / EXAMPLES_DIR
    if folder.is_dir():
        for file in sorted(folder.glob("*.y*ml")):
            # <lang>.yaml, or <lang>.<part>.yaml for a second author's file in the same language
            language = file.name.split(".")[0]
            if not _LANGUAGE.match(language) or file.name.count(".") > 2:
                raise UnderstandingConfigError(
                    f"{file}: example files are named by a two-letter language code, e.g. en.yaml or en.extra.yaml"
                )
            examples[file.name] = (language, file, _read_yaml(file))
    return parse_taxonomy(_read_yaml(path), source=path, examples=examples)


def _example_files(examples: dict, names: set[str]) -> dict[str, dict[str, list[str]]]:
    """{language: {intent: [utterance, ...]}} from {file name: (language, path, data)}, checked;
    errors name the file and the intent."""
    checked: dict[str, dict[str, list[str]]] = {}
    for language, file, data in examples.values():
        if data is None:
            continue  # an empty file: the language has no examples yet
        if not isinstance(data, dict):
            raise UnderstandingConfigError(f"{file}: expected a mapping of intent name to a list of examples")
        for name, utterances in data.items():
            if name not in names:
                raise UnderstandingConfigError(f"{file}: {name!r} is not an intent of the taxonomy")
            if not isinstance(utterances, list) or not all(isinstance(u, str) and u.strip() for u in utterances):
                raise UnderstandingConfigError(
                    f"{file}: {name!r} must be a list of non-empty strings (quote any containing ': ')"
                )
        found = checked.setdefault(language, {})
        for name, utterances in data.items():
            found.setdefault(name, []).extend(u.strip() for u in utterances)
    return checked


def parse_taxonomy(data, source: Path | None = None, examples: dict | None = None) -> Taxonomy:
    """The taxonomy in `data` (intents.yaml), with `examples` {file name: (language, path, data)}."""
    where = str(source or "taxonomy")

    def fail(message):
        raise UnderstandingConfigError(f"{where}: {message}")

    if not isinstance(data, dict) or not isinstance(data.get("intents"), list) or not data["intents"]:
        fail("needs a top-level 'intents' list")
    threshold = _threshold(data.get("threshold", 0.5), "threshold", fail)
    acting_threshold = data.get("acting_threshold")
    if acting_threshold is not None:
        acting_threshold = _threshold(acting_threshold, "acting_threshold", fail)
    margins = {}
    for key in ("domain_margin", "acting_domain_margin"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not -1 <= value <= 1):
            fail(f"{key} must be a number between -1 and 1 (a difference of cosines), got {value!r}")
        margins[key] = None if value is None else float(value)
    declared = {raw.get("name") for raw in data["intents"] if isinstance(raw, dict)}
    by_language = _example_files(examples or {}, declared)
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
        inline = raw.get("examples", [])
        if not isinstance(inline, list) or not all(isinstance(e, str) and e.strip() for e in inline):
            fail(f"intent {name!r}: 'examples' must be a list of non-empty strings (quote any containing ': ')")
        per_language = [(INLINE, [e.strip() for e in inline])] if inline else []
        per_language += [(lang, found[name]) for lang, found in sorted(by_language.items()) if found.get(name)]
        examples = [e for _, utterances in per_language for e in utterances]
        if len(examples) < MIN_EXAMPLES:
            fail(
                f"intent {name!r} has {len(examples)} examples; at least {MIN_EXAMPLES} are needed "
                f"(in {EXAMPLES_DIR}/<lang>.yaml)"
            )
        acting = raw.get("acting", False)
        if not isinstance(acting, bool):
            fail(f"intent {name!r}: 'acting' must be true or false, got {acting!r}")
        own = raw.get("threshold")
        intents.append(
            Intent(
                name=name,
                description=description.strip(),
                examples=tuple(examples),
                threshold=None if own is None else _threshold(own, f"{name}.threshold", fail),
                acting=acting,
                languages=tuple((lang, len(utterances)) for lang, utterances in per_language),
            )
        )
    if len(intents) < 2:
        fail("needs at least two intents to tell apart")
    return Taxonomy(
        intents=tuple(intents),
        threshold=threshold,
        source=source,
        acting_threshold=acting_threshold,
        **margins,
    )


def _threshold(value, label, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        fail(f"{label} must be a number between 0 and 1, got {value!r}")
    return float(value)
