"""The one PluginManager: entry-point discovery, default plugins, and two switches.

``HUB_LOAD_PLUGINS=zendesk,shopify`` loads only those entry points; ``HUB_TRACE_PLUGINS=1``
prints every hook call to stderr. A plugin that fails to import, or implements a hook with
no spec, is unregistered and remembered in ``broken`` so ``hub plugins`` and ``/-/health``
can report it — it never takes the server down.
"""

import importlib
import importlib.metadata
import os
import sys

import pluggy

from . import hookspecs
from .errors import ConfigError

PROJECT = "helpdesk_hub"

# The core's own cross-cutting behaviour, registered like any other plugin.
DEFAULT_PLUGINS = ("hub.default_plugins.guard",)

pm = pluggy.PluginManager(PROJECT)
pm.add_hookspecs(hookspecs)

#: name -> one-line reason, for plugins that could not be loaded.
broken = {}


def _register(plugin, name):
    """Register ``plugin`` or record why not; returns True on success."""
    try:
        pm.register(plugin, name=name)
    except Exception as error:  # pluggy.PluginValidationError and friends
        broken[name] = f"{type(error).__name__}: {error}"
        return False
    unknown = sorted(
        caller.name for caller in pm.get_hookcallers(plugin) or () if caller.spec is None
    )
    if unknown:
        pm.unregister(plugin)
        broken[name] = f"implements hook(s) with no spec: {', '.join(unknown)}"
        return False
    return True


def _entry_points():
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=PROJECT)}


def load_plugins(env=None):
    """Load default plugins and installed entry points; idempotent."""
    env = os.environ if env is None else env
    for module_name in DEFAULT_PLUGINS:
        if pm.get_plugin(module_name) is None:
            _register(importlib.import_module(module_name), module_name)

    entry_points = _entry_points()
    wanted = [n.strip() for n in env.get("HUB_LOAD_PLUGINS", "").split(",") if n.strip()]
    unknown = [name for name in wanted if name not in entry_points]
    if unknown:
        installed = ", ".join(sorted(entry_points)) or "none"
        raise ConfigError(
            "HUB_LOAD_PLUGINS", None,
            f"no installed plugin named {', '.join(unknown)} (installed: {installed})",
        )
    for name, ep in sorted(entry_points.items()):
        if wanted and name not in wanted:
            continue
        if pm.get_plugin(name) is not None or name in broken:
            continue
        try:
            plugin = ep.load()
        except Exception as error:
            broken[name] = f"failed to import {ep.value}: {type(error).__name__}: {error}"
            continue
        _register(plugin, name)

    if env.get("HUB_TRACE_PLUGINS"):
        _trace_once()
    return pm


_tracing = []


def _trace_once():
    if _tracing:
        return

    def before(hook_name, hook_impls, kwargs):
        names = ", ".join(impl.plugin_name for impl in hook_impls)
        print(f"hub: calling {hook_name}({', '.join(kwargs)}) on [{names}]", file=sys.stderr)

    def after(outcome, hook_name, hook_impls, kwargs):
        error = outcome.exception
        result = f"raised {error!r}" if error else f"returned {outcome.get_result()!r}"
        print(f"hub: {hook_name} {result}"[:300], file=sys.stderr)

    _tracing.append(pm.add_hookcall_monitoring(before, after))


def owner_caller(pm, owner, hook_name):
    """``hook_name`` as it reaches only the plugin ``owner`` and the core's default plugins.

    A call about one connector goes to the plugin that registered it, and the core's guard
    (a default plugin) still wraps it; no other plugin sees the call, so none has to ask "is
    this mine?". A subset caller (not the bare function) keeps HUB_TRACE_PLUGINS tracing it.
    """
    others = [plugin for name, plugin in pm.list_name_plugin() if name != owner and name not in DEFAULT_PLUGINS]
    return pm.subset_hook_caller(hook_name, remove_plugins=others)


def distribution_of(plugin):
    """The installed distribution that provides ``plugin``, or None for core modules."""
    module = getattr(plugin, "__name__", "") or type(plugin).__module__
    top = module.split(".")[0]
    for dist_name in importlib.metadata.packages_distributions().get(top, []):
        try:
            return importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None
