"""What a translation may contain: the words are the translator's, the expressions the source's.

A translation is a Jinja template like its English source. It may reorder, repeat or leave out
the source's placeholders and change its literal text (``requester.name or "there"`` becomes
``requester.name or "Sie"``), but every variable, attribute path, filter, function, test and
kind of statement or operator it uses must already be in the English source. So a translation
cannot show a fact the flow's author did not choose to show, nor call anything new.
"""

from __future__ import annotations

from jinja2 import TemplateSyntaxError, nodes

from ..agent import expressions

# Jinja's output nodes: the text between expressions, and the container of a template.
_NEUTRAL = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.Pair, nodes.Keyword,
            nodes.Tuple, nodes.List, nodes.Dict, nodes.Slice)


def references(source: str) -> set[str]:
    """Everything ``source`` refers to or does, as strings: ``order.name``, ``filter money``,
    ``test defined``, ``call days_since``, ``node For``, ``operator Or``.

    Raises jinja2.TemplateSyntaxError when it does not parse.
    """
    found: set[str] = set()
    for node in expressions.parse(source).find_all(nodes.Node):
        path = _path(node)
        if path:
            found.add(path)
        if isinstance(node, nodes.Filter):
            found.add(f"filter {node.name}")
        elif isinstance(node, nodes.Test):
            found.add(f"test {node.name}")
        elif isinstance(node, nodes.Call):
            found.add(f"call {_path(node.node) or type(node.node).__name__}")
        elif isinstance(node, nodes.Compare):
            found.update(f"operator {operand.op}" for operand in node.ops)
        elif isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Operand)):
            pass  # paths above; comparison operands through their Compare
        elif not isinstance(node, _NEUTRAL):
            kind = "operator" if isinstance(node, (nodes.BinExpr, nodes.UnaryExpr, nodes.CondExpr, nodes.Concat)) else "node"
            found.add(f"{kind} {type(node).__name__}")
    return found


def placeholders(source: str) -> set[str]:
    """The facts ``source`` shows or tests: its names and attribute paths."""
    return {ref for ref in references(source) if " " not in ref}


def _path(node) -> str | None:
    """``order.fulfillments[-1].delivered_at`` for an attribute chain rooted in a name; None
    for anything else. A slice (``[:10]``) is formatting, not a new fact: it is left out."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem):
        base = _path(node.node)
        if base is None:
            return None
        if isinstance(node.arg, nodes.Slice):
            return base
        if isinstance(node.arg, nodes.Const):
            return f"{base}[{node.arg.value!r}]"
        if isinstance(node.arg, nodes.UnaryExpr) and isinstance(node.arg.node, nodes.Const):
            return f"{base}[{type(node.arg).__name__.lower()} {node.arg.node.value!r}]"
        return f"{base}[…]"
    return None


def problems(source: str, translation: str) -> list[str]:
    """Why ``translation`` cannot stand for ``source`` at run time: it does not parse, or it
    adds something. An empty list when it can."""
    try:
        allowed = references(source)
    except TemplateSyntaxError as error:
        return [f"the English source does not parse: {error}"]
    try:
        used = references(translation)
    except TemplateSyntaxError as error:
        return [f"does not parse: {error} (line {error.lineno})"]
    added = sorted(used - allowed)
    return [f"uses {', '.join(added)}, which the English source does not"] if added else []


def missing(source: str, translation: str) -> list[str]:
    """The source's placeholders the translation leaves out (``hub i18n check`` reports them)."""
    try:
        gone = placeholders(source) - placeholders(translation)
    except TemplateSyntaxError:
        return []
    # "requester.name" missing says it all: "requester" is only its root.
    return sorted(p for p in gone if not any(q != p and q.startswith((p + ".", p + "[")) for q in gone))
