"""The core knows no connector by name (issue #14, item 4).

What is particular to a vendor lives in its plugin and reaches the core through the connector
contract (``hub.connectors.Connector``, its sandbox driver ``hub.sandbox.driver``). This test
reads every module under ``hub/`` and fails on a connector's name used as code: an import of
its plugin, an identifier, or a string literal (a literal is how code selects behaviour by
name). Comments and docstrings may name vendors: they explain, they do not decide.

The connectors are the plugins this repository ships (``plugins/hub_<name>``), so a new one is
covered without touching this file.
"""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HUB = REPO / "hub"

#: Literals that name a vendor's *product* as data, not a connector: the software catalogue's
#: "Salesforce" is an application an employee asks access to, whichever helpdesk they write to.
ALLOWED_LITERALS = {
    ("hub/understanding/entities.py", "Salesforce"),
    ("hub/understanding/entities.py", "salesforce"),
}


def connector_names():
    names = {path.name.removeprefix("hub_") for path in (REPO / "plugins").glob("hub_*") if path.is_dir()}
    assert names, "no plugins/hub_* found: the test would prove nothing"
    return names


def vendor_pattern():
    return re.compile("|".join(sorted(connector_names())), re.IGNORECASE)


def docstrings(tree):
    """The string constants that are docstrings (module, class and function bodies' first)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.add(id(body[0].value))
    return found


def vendor_uses(path, pattern):
    """``(line, what)`` for each vendor name used as code in the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = docstrings(tree)
    relative = path.relative_to(REPO).as_posix()
    found = []

    def flag(node, kind, text):
        if text and pattern.search(text):
            found.append((node.lineno, f"{kind} {text!r}"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                flag(node, "import", alias.name)
        elif isinstance(node, ast.ImportFrom):
            flag(node, "import from", node.module)
            for alias in node.names:
                flag(node, "imported name", alias.name)
        elif isinstance(node, ast.Name):
            flag(node, "name", node.id)
        elif isinstance(node, ast.Attribute):
            flag(node, "attribute", node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            flag(node, "definition", node.name)
        elif isinstance(node, ast.arg):
            flag(node, "argument", node.arg)
        elif isinstance(node, ast.keyword):
            flag(node, "keyword", node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            if (relative, node.value) not in ALLOWED_LITERALS:
                flag(node, "string", node.value)
    return [f"{relative}:{line}: {what}" for line, what in sorted(found)]


def test_no_module_of_the_core_uses_a_connector_name_as_code():
    pattern = vendor_pattern()
    uses = [use for path in sorted(HUB.rglob("*.py")) for use in vendor_uses(path, pattern)]
    assert uses == [], "vendor names in the core's code:\n" + "\n".join(uses)


def test_the_scan_sees_imports_names_and_literals_but_not_prose(tmp_path):
    # The scan itself must be able to fail: a module doing each forbidden thing is caught,
    # and one that only talks about a vendor is not.
    name = sorted(connector_names())[0]
    sample = REPO / "hub" / "_vendor_scan_sample.py"
    sample.write_text(f'"""Talks about {name}."""\n'
                      f"# {name} in a comment\n"
                      f"import hub_{name}\n"
                      f"{name}_client = None\n"
                      f"def ask(tool=\"{name}.get_order\"):\n"
                      f'    """{name} in a docstring."""\n'
                      f"    return tool\n", encoding="utf-8")
    try:
        uses = vendor_uses(sample, vendor_pattern())
    finally:
        sample.unlink()
    assert [use.split(": ", 1)[1].split(" ")[0] for use in uses] == ["import", "name", "string"]
