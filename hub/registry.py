"""Everything plugins registered, validated in one place.

The registration hooks hand each plugin a ``register(...)`` callback; the checks here are the
only place names, scopes, schemas and collisions are validated. A plugin whose registration
fails is reported in ``problems`` and the rest of the hub carries on.
"""

from pathlib import Path

import jsonschema

from .connectors import NAME_PATTERN, Connector
from .errors import PluginError
from .tools import ACTION, ESCALATE, IDEMPOTENCY, LOOKUP, READ_BACK, Tool


class Registry:
    def __init__(self):
        self.connectors = {}  # name -> Connector
        self.tools = {}  # name -> Tool
        self.flow_files = []  # paths registered by plugins
        self.owner = {}  # "connector:x" / "tool:x" -> plugin name
        self.problems = {}  # plugin name -> list of one-line reasons

    @classmethod
    def collect(cls, pm):
        registry = cls()
        registry._run(pm, "register_connectors", registry._add_connector)
        registry._run(pm, "register_tools", registry._add_tool)
        registry._run(pm, "register_flows", registry._add_flow)
        escalating = {impl.plugin_name for impl in pm.hook.escalate.get_hookimpls()}
        for connector in registry.connectors.values():
            # Only a connector whose plugin implements ``escalate`` can hand a ticket over: a
            # store has no tickets, so it gets no escalate tool to be refused at call time.
            if registry.plugin_of(connector.name) in escalating:
                registry._add_escalate_tool(connector)
        return registry

    def plugin_of(self, connector_name):
        """The name of the plugin that registered connector ``connector_name`` (None: none did)."""
        return self.owner.get(f"connector:{connector_name}")

    def _run(self, pm, hook_name, add):
        # Each plugin is called on its own so a failure is pinned on the plugin that caused it;
        # a subset caller (not the bare function) keeps HUB_TRACE_PLUGINS tracing these calls.
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            plugin = impl.plugin_name
            others = [other for name, other in pm.list_name_plugin() if name != plugin]
            only_this = pm.subset_hook_caller(hook_name, remove_plugins=others)

            def register(item, _plugin=plugin):
                try:
                    add(item, _plugin)
                except PluginError as error:
                    self.problems.setdefault(_plugin, []).append(str(error))

            try:
                only_this(register=register)
            except Exception as error:
                self.problems.setdefault(plugin, []).append(
                    f"{hook_name} raised {type(error).__name__}: {error}"
                )

    def _claim(self, key, plugin):
        if key in self.owner:
            raise PluginError(f"{key} is already registered by {self.owner[key]}")
        self.owner[key] = plugin

    def _add_connector(self, connector, plugin):
        if not isinstance(connector, Connector):
            raise PluginError(f"register_connectors: {connector!r} is not a hub.connectors.Connector")
        if not NAME_PATTERN.match(connector.name or ""):
            raise PluginError(f"connector name {connector.name!r} must match {NAME_PATTERN.pattern}")
        if not connector.title:
            raise PluginError(f"connector {connector.name}: title is empty")
        unknown = set(connector.escalate_scopes) - set(connector.scopes)
        if unknown:
            raise PluginError(
                f"connector {connector.name}: escalate_scopes not offered: {', '.join(sorted(unknown))}"
            )
        self._claim(f"connector:{connector.name}", plugin)
        self.connectors[connector.name] = connector

    def _add_tool(self, tool, plugin):
        if not isinstance(tool, Tool):
            raise PluginError(f"register_tools: {tool!r} is not a hub.tools.Tool")
        prefix, _, verb = tool.name.partition(".")
        if prefix != tool.connector or not NAME_PATTERN.match(verb or ""):
            raise PluginError(f"tool {tool.name!r} must be named '{tool.connector}.<verb>'")
        connector = self.connectors.get(tool.connector)
        if connector is None:
            raise PluginError(f"tool {tool.name}: unknown connector {tool.connector!r}")
        if tool.kind not in (LOOKUP, ACTION):
            raise PluginError(f"tool {tool.name}: kind must be 'lookup' or 'action', not {tool.kind!r}")
        if not tool.scopes:
            raise PluginError(f"tool {tool.name}: declares no vendor scopes")
        unknown = set(tool.scopes) - set(connector.scopes)
        if unknown:
            raise PluginError(
                f"tool {tool.name}: scope(s) {', '.join(sorted(unknown))} not offered by {connector.name}"
            )
        try:
            jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        except jsonschema.SchemaError as error:
            raise PluginError(f"tool {tool.name}: input_schema is invalid: {error.message}")
        if not callable(tool.fn):
            raise PluginError(f"tool {tool.name}: fn is not callable")
        if tool.kind == ACTION and tool.idempotency not in IDEMPOTENCY:
            # A write without a declared way to stay one effect is how a retry posts twice.
            raise PluginError(
                f"tool {tool.name}: an action must declare idempotency= one of {', '.join(IDEMPOTENCY)} "
                f"(how a repeat after a lost answer stays one effect; see docs/writing-a-connector.md), "
                f"not {tool.idempotency!r}"
            )
        self._claim(f"tool:{tool.name}", plugin)
        self.tools[tool.name] = tool

    def _add_flow(self, path, plugin):
        path = Path(path)
        if not path.is_file():
            raise PluginError(f"register_flows: {path} is not a file")
        self.flow_files.append(path)

    def _add_escalate_tool(self, connector):
        name = f"{connector.name}.escalate"
        self.tools.setdefault(name, Tool(
            name=name, connector=connector.name, kind=ESCALATE,
            description=f"Assign a {connector.title} ticket to a group with an internal note.",
            input_schema={
                "type": "object",
                "required": ["ticket_id", "group", "note"],
                "properties": {
                    "ticket_id": {"type": "string"},
                    "group": {"type": "string"},
                    "note": {"type": "string"},
                },
            },
            scopes=tuple(connector.escalate_scopes),
            permission="tool.escalate",
            # The escalate hook's contract: the note carries the call's key, read before writing.
            idempotency=READ_BACK,
        ))

    def tools_of(self, connector_name):
        return [t for t in self.tools.values() if t.connector == connector_name]

    def validate_arguments(self, tool, arguments):
        """Raise ValueError naming the first schema violation in ``arguments``."""
        validator = jsonschema.Draft202012Validator(tool.input_schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(arguments))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "arguments"
            raise ValueError(f"{tool.name}: {where}: {error.message}")
