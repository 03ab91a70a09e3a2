"""Check the understanding data: training examples, dev and held-out evaluation, out-of-domain sets.

    python eval/understanding/check_data.py        # prints counts, exits 1 on any problem

What it checks, and why:
- formats: every JSONL line is an object with exactly the expected keys and a non-empty text;
  every YAML file maps known intent names to lists of non-empty strings;
- labels: every intent is in the taxonomy and every OOD language is one of the four;
- leakage: no text appears twice in a file, and no text in one split (training, dev, held-out)
  equals or nearly equals a text in another, after folding case, accents, punctuation and digits.
  A held-out example that is a training example with one word changed measures memory, not
  understanding;
- placement: a longer text that reads clearly as another language than its file's is flagged
  (a German ticket in the French file is a labelling slip, not a hard example);
- counts: each file this project's data owner writes has enough examples of every intent in
  every language for per-intent numbers to mean something.

Standard library and PyYAML only, so it runs before anything else is installed.
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "de", "fr", "es")

# The 31 intents agreed for issue #12 (coordination.md). config/intents.yaml may still hold a
# subset while the new intents are being added; it must never hold a name missing here.
INTENTS = frozenset(
    """
    order_status cancel_order change_order change_shipping_address delivery_options
    return_request refund_request refund_status refund_policy invoice_question payment_problem
    password_reset account_create account_edit account_delete account_switch newsletter
    complaint feedback talk_to_human contact_info it_software_access it_problem out_of_scope
    warranty cancellation_fee payment_methods place_order product_question mfa_problem
    damaged_item
    """.split()
)

# Fewest examples per intent (or per file, for OOD) in the files whose minimum is agreed.
MIN_PER_INTENT = {"training": 40, "dev": 8, "heldout": 12, "heldout2": 8}
MIN_OOD_LINES = 200
MIN_OOD_PER_LANGUAGE = 30
NEAR_DUPLICATE_JACCARD = 0.75  # share of distinct folded words two texts have in common

# Words that are frequent in one of the four languages and rare in the other three; enough to
# tell which language a sentence of five words or more is written in, not to detect languages.
_MARKERS = {
    "en": "the and my is you what where how please it not can with for have was this of do i your".split(),
    "de": "ich und mein meine meinen ist nicht bitte wie wo kann mit fur das die der ein eine habe noch auf sie ihr".split(),
    "fr": "je et mon ma mes est pas vous comment ou avec pour le les une ai ne que il votre j".split(),
    "es": "yo y mi mis es por favor como donde con para el los las una que tengo su usted hola".split(),
}
MARKERS = {lang: frozenset(words) for lang, words in _MARKERS.items()}


# Held-out splits: only reported, never tuned on. heldout2 was written later by another author,
# without reading training, dev or heldout; it is checked like heldout against training, dev and
# the legacy set, but not against heldout (two held-out sets may share a scenario without leaking).
HELD_OUT = ("heldout", "heldout2")


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # the intent, or for OOD lines the language
    language: str
    split: str  # training | dev | heldout | heldout2 | legacy (eval/intents.jsonl)
    source: str  # path relative to the repository, with the line or YAML key


@dataclass(frozen=True)
class DataFile:
    path: Path
    split: str
    kind: str  # intents-jsonl | ood-jsonl | examples-yaml | taxonomy-yaml
    language: str | None
    owned: bool  # its minimum counts are checked (files whose author agreed to them)


def data_files(root: Path = ROOT) -> list[DataFile]:
    """Every understanding data file the check knows about; missing optional ones are skipped."""
    files = [DataFile(root / "config" / "intents.yaml", "training", "taxonomy-yaml", "en", False)]
    for lang in LANGUAGES:
        owned = lang != "en"  # English training and dev data are the classifier engineer's
        files.append(DataFile(root / "config" / "examples" / f"{lang}.yaml", "training", "examples-yaml", lang, owned))
        # <lang>.<part>.yaml: further training files the taxonomy loader reads beside <lang>.yaml
        # (out-of-domain negatives, coverage batches); checked for leaks, no minimum counts.
        for extra in sorted((root / "config" / "examples").glob(f"{lang}.*.y*ml")):
            files.append(DataFile(extra, "training", "examples-yaml", lang, False))
        files.append(DataFile(root / "eval" / "understanding" / "dev" / f"{lang}.jsonl", "dev", "intents-jsonl", lang, owned))
        files.append(DataFile(root / "eval" / "understanding" / "heldout" / f"{lang}.jsonl", "heldout", "intents-jsonl", lang, True))
        files.append(DataFile(root / "eval" / "understanding" / "heldout2" / f"{lang}.jsonl", "heldout2", "intents-jsonl", lang, True))
    for split in ("dev", "heldout", "heldout2"):
        files.append(DataFile(root / "eval" / "understanding" / split / "ood.jsonl", split, "ood-jsonl", None, True))
    # The older English evaluation set predates the split: only held-out texts must not repeat it.
    files.append(DataFile(root / "eval" / "intents.jsonl", "legacy", "intents-jsonl", "en", False))
    return files


def required_files(root: Path = ROOT) -> list[Path]:
    """The files this data set promises to ship (the check fails if one is missing)."""
    paths = [root / "eval" / "understanding" / split / f"{lang}.jsonl" for split in HELD_OUT for lang in LANGUAGES]
    paths += [root / "eval" / "understanding" / split / "ood.jsonl" for split in ("dev", *HELD_OUT)]
    for lang in ("de", "fr", "es"):
        paths.append(root / "eval" / "understanding" / "dev" / f"{lang}.jsonl")
        paths.append(root / "config" / "examples" / f"{lang}.yaml")
    return paths


def fold(text: str) -> str:
    """Case, accents, punctuation and digit runs folded away, for comparing texts only."""
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\d+", "0", text)
    return " ".join(re.findall(r"\w+", text))


def words(text: str) -> frozenset[str]:
    return frozenset(fold(text).split())


def read_file(data_file: DataFile, root: Path = ROOT) -> tuple[list[Example], list[str]]:
    """The file's examples and the problems found reading it."""
    rel = str(data_file.path.relative_to(root))
    if data_file.kind.endswith("jsonl"):
        return _read_jsonl(data_file, rel)
    return _read_yaml(data_file, rel)


def _read_jsonl(data_file: DataFile, rel: str) -> tuple[list[Example], list[str]]:
    examples, problems = [], []
    label_key = "intent" if data_file.kind == "intents-jsonl" else "language"
    for number, line in enumerate(data_file.path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{rel}:{number}"
        if not line.strip():
            problems.append(f"{where}: blank line")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"{where}: not JSON ({error.msg})")
            continue
        if not isinstance(row, dict) or set(row) != {"text", label_key}:
            keys = sorted(row) if isinstance(row, dict) else type(row).__name__
            problems.append(f'{where}: expected keys "text" and "{label_key}", got {keys}')
            continue
        text, label = row["text"], row[label_key]
        problem = _text_problem(text) or _label_problem(label, label_key)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        language = data_file.language or label
        examples.append(Example(text, label, language, data_file.split, where))
    return examples, problems


def _read_yaml(data_file: DataFile, rel: str) -> tuple[list[Example], list[str]]:
    try:
        data = yaml.safe_load(data_file.path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return [], [f"{rel}: not YAML ({error})"]
    if data_file.kind == "taxonomy-yaml":
        data = {
            intent.get("name"): intent.get("examples", [])
            for intent in (data or {}).get("intents", [])
            if isinstance(intent, dict)
        }
    if not isinstance(data, dict):
        return [], [f"{rel}: expected a mapping of intent name to a list of examples"]
    examples, problems = [], []
    for intent, texts in data.items():
        where = f"{rel}:{intent}"
        problem = _label_problem(intent, "intent")
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        if not isinstance(texts, list):
            problems.append(f"{where}: expected a list of examples, got {type(texts).__name__}")
            continue
        for index, text in enumerate(texts):
            problem = _text_problem(text)
            if problem:
                problems.append(f"{where}[{index}]: {problem}")
                continue
            examples.append(Example(text, intent, data_file.language or "en", "training", f"{where}[{index}]"))
    return examples, problems


def _text_problem(text: object) -> str | None:
    if not isinstance(text, str):
        return f"text must be a string, got {type(text).__name__}"
    if not text.strip():
        return "empty text"
    if text != text.strip():
        return "text has leading or trailing whitespace"
    if not fold(text):
        return "text has no letters or digits"
    return None


def _label_problem(label: object, key: str) -> str | None:
    known = INTENTS if key == "intent" else LANGUAGES
    if label not in known:
        return f"unknown {key} {label!r}"
    return None


def duplicates_within(examples: list[Example]) -> list[str]:
    """Texts that fold to the same string inside one file."""
    seen: dict[str, Example] = {}
    problems = []
    for example in examples:
        key = fold(example.text)
        if key in seen:
            problems.append(f"{example.source}: repeats {seen[key].source} ({example.text!r})")
        else:
            seen[key] = example
    return problems


def leaks_across_splits(examples: list[Example], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[str]:
    """Pairs from different splits whose word sets overlap by at least `threshold` (Jaccard).

    Near-duplicates with different intents are minimal pairs ("Can I get my money back?" against
    "Can I get my money back from Ticketmaster?"): remembering one gets the other wrong, so they
    test understanding and are kept. The same text under two splits is always reported.

    A prefix-filtered similarity join: with words ordered rarest first, two sets whose Jaccard
    reaches t share a word among each one's first |x| - ceil(t*|x|) + 1, so only pairs meeting in
    some prefix are compared and the check stays fast on thousands of texts.
    """
    sets = [words(example.text) for example in examples]
    frequency = Counter(word for word_set in sets for word in word_set)
    index: dict[str, list[int]] = defaultdict(list)
    problems = []
    for i, word_set in enumerate(sets):
        ordered = sorted(word_set, key=lambda word: (frequency[word], word))
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        candidates = {j for word in prefix for j in index[word]}
        for j in sorted(candidates):
            if not _compared(examples[i].split, examples[j].split):
                continue
            other = sets[j]
            similarity = len(word_set & other) / len(word_set | other)
            same_text = fold(examples[i].text) == fold(examples[j].text)
            if similarity >= threshold and (same_text or _intent(examples[i]) == _intent(examples[j])):
                kind = "same text" if same_text else f"near-duplicate ({similarity:.2f})"
                earlier, later = examples[j], examples[i]
                problems.append(
                    f"{kind} across {earlier.split} and {later.split}: "
                    f"{earlier.source} {earlier.text!r} ~ {later.source} {later.text!r}"
                )
        for word in prefix:
            index[word].append(i)
    return problems


def _intent(example: Example) -> str:
    """The intent a line stands for; an out-of-domain line (labelled by language) is out_of_scope."""
    return example.label if example.label in INTENTS else "out_of_scope"


def _compared(split: str, other: str) -> bool:
    if split == other:
        return False
    if split in HELD_OUT and other in HELD_OUT:
        return False
    if "legacy" in (split, other):
        return split in HELD_OUT or other in HELD_OUT
    return True


def looks_like(text: str) -> str | None:
    """The language a sentence's marker words clearly point to, or None when they don't."""
    tokens = fold(text).split()
    if len(tokens) < 5:
        return None
    scores = {lang: sum(token in markers for token in tokens) for lang, markers in MARKERS.items()}
    best = max(scores, key=scores.get)
    runner_up = max(score for lang, score in scores.items() if lang != best)
    if scores[best] >= 3 and scores[best] >= 2 * runner_up + 1:
        return best
    return None


def misplaced_language(examples: list[Example]) -> list[str]:
    problems = []
    for example in examples:
        guess = looks_like(example.text)
        if guess and guess != example.language:
            problems.append(f"{example.source}: filed as {example.language} but reads as {guess}: {example.text!r}")
    return problems


def count_problems(data_file: DataFile, examples: list[Example], root: Path = ROOT) -> list[str]:
    rel = str(data_file.path.relative_to(root))
    if not data_file.owned:
        return []
    if data_file.kind == "ood-jsonl":
        problems = []
        if len(examples) < MIN_OOD_LINES:
            problems.append(f"{rel}: {len(examples)} lines, want at least {MIN_OOD_LINES}")
        per_language = Counter(example.language for example in examples)
        for lang in LANGUAGES:
            if per_language[lang] < MIN_OOD_PER_LANGUAGE:
                problems.append(f"{rel}: {per_language[lang]} {lang} lines, want at least {MIN_OOD_PER_LANGUAGE}")
        return problems
    minimum = MIN_PER_INTENT[data_file.split]
    per_intent = Counter(example.label for example in examples)
    return [
        f"{rel}: {per_intent[intent]} examples of {intent}, want at least {minimum}"
        for intent in sorted(INTENTS)
        if per_intent[intent] < minimum
    ]


def check(root: Path = ROOT) -> tuple[list[str], dict[str, Counter]]:
    """All problems found, and the label counts of every file read (for the report)."""
    problems: list[str] = []
    counts: dict[str, Counter] = {}
    everything: list[Example] = []
    for path in required_files(root):
        if not path.is_file():
            problems.append(f"{path.relative_to(root)}: missing")
    for data_file in data_files(root):
        if not data_file.path.is_file():
            continue
        examples, read_problems = read_file(data_file, root)
        problems += read_problems
        problems += duplicates_within(examples)
        problems += count_problems(data_file, examples, root)
        if data_file.kind != "taxonomy-yaml":
            problems += misplaced_language(examples)
        counts[str(data_file.path.relative_to(root))] = Counter(example.label for example in examples)
        everything += examples
    problems += leaks_across_splits(everything)
    return problems, counts


def report(counts: dict[str, Counter]) -> str:
    lines = []
    for name, counter in counts.items():
        low = min(counter.values()) if counter else 0
        lines.append(f"{name}: {sum(counter.values())} lines, {len(counter)} labels, fewest per label {low}")
    return "\n".join(lines)


def main() -> int:
    problems, counts = check()
    print(report(counts))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
