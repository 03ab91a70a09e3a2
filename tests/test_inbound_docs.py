"""docs/architecture.md's inbound table names functions that exist (issue #14, item 2)."""

import importlib
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def named_functions():
    section = DOC.read_text(encoding="utf-8").split("## Inbound", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if re.match(r"^\| \d", line)]
    found = []
    for row in table:
        cell = row.split("|")[2]
        names = re.findall(r"`([\w.]+)`", cell)
        module = names[0].rsplit(".", 1)[0]
        found += [name if "." in name else f"{module}.{name}" for name in names]
    return found


def test_every_step_names_a_function_that_exists():
    names = named_functions()
    assert len(names) >= 13
    for name in names:
        module, attribute = name.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), attribute, None)), f"{name} is not a function"
