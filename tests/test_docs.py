"""Docs and tests keep the contract honest: every hook is documented and tested."""

import re
from pathlib import Path

import pytest

from hub import hookspecs

REPO = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name in dir(hookspecs) if not name.startswith("_") and callable(getattr(hookspecs, name))
               and hasattr(getattr(hookspecs, name), "helpdesk_hub_spec"))


def test_hooks_found():
    assert len(HOOKS) == 10


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    docs = (REPO / "docs" / "hooks.md").read_text()
    assert re.search(rf"^### {hook}\(", docs, re.M), f"docs/hooks.md has no '### {hook}(...)' section"
    assert getattr(hookspecs, hook).__doc__, f"hub/hookspecs.py: {hook} has no docstring"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_tested(hook):
    tests = "\n".join(path.read_text() for path in (REPO / "tests").glob("test_*.py"))
    assert f"def test_hook_{hook}(" in tests, f"no test named test_hook_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_documented_signature_matches_spec(hook):
    import inspect

    docs = (REPO / "docs" / "hooks.md").read_text()
    documented = re.search(rf"^### {hook}\((.*)\)", docs, re.M).group(1)
    assert documented == ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
