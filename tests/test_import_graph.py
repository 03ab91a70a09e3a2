"""The hub's modules import one another without a circle (issue #14, item 2).

A circle is what let the inbound path hide: a job module importing its worker's Hub back from
the module that imported it. The graph counts every import in a module, the ones inside
functions too, since a deferred import is how a circle is usually papered over.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parents[1] / "hub"


def modules():
    found = {}
    for path in HUB.rglob("*.py"):
        parts = list(path.relative_to(HUB.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name, path, known):
    """The hub modules ``name`` imports, anywhere in its text."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            for alias in node.names:
                child = f"{prefix}.{alias.name}"
                found.add(child if child in known else prefix)
    return {module for module in found if module in known and module != name}


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_hub_module_imports_itself_back():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert "hub.agent.engine" in graph["hub.inbound"], "the graph missed an import it must see"
    assert cycles(graph) == []


@pytest.mark.parametrize("module", ["hub.inbound", "hub.receipt", "hub.web.hooks", "hub.testing.harness", "hub.agent.approvals",
                                    "hub.polling", "hub.models", "hub.accounts", "hub.metrics"])
def test_each_inbound_module_imports_first_in_a_fresh_interpreter(module):
    """Imported first, before anything else of the hub, each module loads (a circle would fail here)."""
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
