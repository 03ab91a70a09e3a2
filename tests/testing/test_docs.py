"""docs/conformance.md documents every check the suite has, and no other."""

import re
from pathlib import Path

from hub.testing import ConnectorConformance

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"


def documented_checks():
    section = DOC.read_text(encoding="utf-8").split("## The checks", 1)[1].split("\n## ", 1)[0]
    return {re.sub(r"\[.*\]$", "", name) for name in re.findall(r"^\| `([a-z_]+(?:\[<tool>\])?)` \|", section, re.M)}


def test_every_check_is_documented():
    assert documented_checks() == set(ConnectorConformance.check_names())


def test_every_class_attribute_is_documented():
    text = DOC.read_text(encoding="utf-8")
    attributes = [name for name, value in vars(ConnectorConformance).items()
                  if not name.startswith("_") and name != "pytestmark" and not callable(value) and not isinstance(value, classmethod)]
    missing = [name for name in attributes if f"| `{name}` |" not in text]
    assert not missing
