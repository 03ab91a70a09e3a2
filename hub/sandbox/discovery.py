"""Find the sandboxes of installed connectors: each registered ``Connector.sandbox``.

The same plugin manager and registry the hub runs on decide what is installed, so a
connector the hub would refuse never gets a sandbox either.
"""

import importlib

#: name -> one-line reason, for plugins or sandboxes that failed during the last discover().
broken = {}


class SandboxLoadError(Exception):
    """``Connector.sandbox`` does not name an importable callable."""


def load_sandbox_factory(connector):
    """Import ``Connector.sandbox`` ("module:callable")."""
    where = connector.sandbox
    module_name, _, attribute = (where or "").partition(":")
    if not module_name or not attribute:
        raise SandboxLoadError(f"Connector.sandbox must be 'module:callable', not {where!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise SandboxLoadError(f"cannot load its sandbox {where!r}: {error}") from None
    if not callable(factory):
        raise SandboxLoadError(f"its sandbox {where} is not callable")
    return factory


def discover(env=None):
    """Return ``{connector name: sandbox factory}`` for installed connectors that ship one."""
    from hub.plugins import broken as broken_plugins
    from hub.plugins import load_plugins
    from hub.registry import Registry

    registry = Registry.collect(load_plugins(env))
    broken.clear()
    broken.update(broken_plugins)
    for plugin, reasons in registry.problems.items():
        broken[plugin] = "; ".join(reasons)
    factories = {}
    for name, connector in sorted(registry.connectors.items()):
        if not connector.sandbox:
            continue
        try:
            factories[name] = load_sandbox_factory(connector)
        except SandboxLoadError as error:  # one broken sandbox must not take the others down
            broken[name] = str(error)
    return factories
