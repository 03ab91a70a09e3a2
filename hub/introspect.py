"""What is installed, for humans: the data behind ``hub plugins`` and ``/-/plugins.json``."""

from .plugins import DEFAULT_PLUGINS, distribution_of


def plugins_info(hub, include_core=False):
    """One dict per loaded plugin, plus one per broken plugin with its reason."""
    owned = {}
    for key, plugin in hub.registry.owner.items():
        kind, _, name = key.partition(":")
        owned.setdefault(plugin, {}).setdefault(kind, []).append(name)

    rows = []
    for name, plugin in sorted(hub.pm.list_name_plugin(), key=lambda pair: pair[0]):
        if name in DEFAULT_PLUGINS and not include_core:
            continue
        dist = distribution_of(plugin)
        connectors = [hub.registry.connectors[c] for c in owned.get(name, {}).get("connector", [])]
        rows.append({
            "name": name,
            "version": dist.version if dist else None,
            "distribution": dist.metadata["Name"] if dist else None,
            "hooks": sorted(caller.name for caller in hub.pm.get_hookcallers(plugin) or ()),
            "connectors": [c.name for c in connectors],
            "scopes": sorted({scope for c in connectors for scope in c.scopes}),
            "tools": sorted(owned.get(name, {}).get("tool", [])),
            "problems": hub.registry.problems.get(name, []),
        })
    for name, reasons in sorted(hub.broken_plugins.items()):
        if not any(row["name"] == name for row in rows):
            rows.append({"name": name, "version": None, "hooks": [], "connectors": [], "scopes": [],
                         "tools": [], "problems": reasons})
    return rows
