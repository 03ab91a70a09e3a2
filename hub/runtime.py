"""The running hub: settings, plugins, registry, database and secrets, loaded once.

The web app, the worker and the CLI each build one ``Hub`` and hand it around; nothing else
holds global state.
"""

import os
import uuid
from datetime import datetime, timezone
from functools import cached_property

from .audit import AuditLog
from .connections import hook_token
from .config import ClientCredentials, config_dir, load_settings
from .db import make_engine
from .errors import ConfigError, ToolRefused
from .http import RetryPolicy, VendorSession
from .plugins import broken, load_plugins, owner_caller
from .rbac import Roles
from .registry import Registry
from .secrets import SecretBox
from .tokens import TokenStore
from .tools import ACTION, ESCALATE, CallContext, LOOKUP, ToolCall


class Hub:
    def __init__(self, settings, config_path, env, pm, registry, roles):
        self.settings, self.config_path, self.env = settings, config_path, env
        self.pm, self.registry, self.roles = pm, registry, roles

    @classmethod
    def load(cls, directory=None, env=None):
        env = os.environ if env is None else env
        path = config_dir(directory)
        settings = load_settings(path, env)
        pm = load_plugins(env)
        return cls(settings, path, env, pm, Registry.collect(pm), Roles.load(path / "roles.yaml"))

    @cached_property
    def engine(self):
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def agent(self):
        """Flows, policy and the classifier, loaded on first use (web processes rarely need them)."""
        from .agent.agent import Agent

        return Agent(self)

    @cached_property
    def audit_log(self):
        """The keyed, anchored audit log (hub.audit)."""
        return AuditLog.from_settings(self.settings, self.engine, self.env)

    @cached_property
    def box(self):
        return SecretBox.from_settings(self.settings, self.env)

    @property
    def broken_plugins(self):
        """Plugins that failed to load or register: name -> reasons."""
        problems = {name: [reason] for name, reason in broken.items()}
        for name, reasons in self.registry.problems.items():
            problems.setdefault(name, []).extend(reasons)
        return problems

    def connector(self, name):
        try:
            return self.registry.connectors[name]
        except KeyError:
            raise LookupError(f"no connector named {name!r} is installed")

    def credentials(self, connector):
        configured = self.settings.connectors.get(connector.name)
        if configured:
            return configured
        if self.settings.sandbox_mode:
            return ClientCredentials(**connector.sandbox_credentials())
        raise ConfigError(
            self.config_path / "settings.yaml", f"connectors.{connector.name}",
            f"no OAuth client configured; set HUB_{connector.name.upper()}_CLIENT_ID and _CLIENT_SECRET",
        )

    def provider(self, connector, instance):
        provider = self.hook(connector.name, "auth_provider")(connector=connector, instance=instance)
        if provider is None:
            raise LookupError(f"{connector.name}: no plugin answers auth_provider")
        return provider

    def session(self, connection):
        connector = self.connector(connection.connector)
        http = self.settings.http
        return VendorSession(
            connector,
            self.provider(connector, connection.instance),
            self.credentials(connector),
            TokenStore(self.engine, self.box, connection.id),
            policy=RetryPolicy.from_settings(http),
            timeout=http.timeout,
            base_url=connection.api_base_url,
        )

    def webhook_url(self, connection):
        """Where the vendor delivers; for a vendor that does not sign, the path ends in the
        connection's secret (``hub.connections.hook_token``)."""
        url = f"{self.settings.public_url}/hooks/{connection.connector}/{connection.id}"
        token = hook_token(self, connection)
        return f"{url}/{token}" if token else url

    def call(self, tool_name, connection, arguments, context=None, idempotency_key=None, session=None,
             first_attempt_at=None):
        """Run one tool through the hook family of its kind (wrapped by policy, RBAC, audit).

        A write always carries an idempotency key: a caller without one (a script, a test) gets
        one for this call, so a write whose answer is lost can still be found by it.
        """
        tool = self.registry.tools.get(tool_name)
        if tool is None:
            raise ToolRefused(tool_name, "no such tool is registered")
        if tool.connector != connection.connector:
            raise ToolRefused(tool_name, f"connection {connection.id} is a {connection.connector} connection")
        if tool.kind != LOOKUP and not idempotency_key:
            idempotency_key = f"call-{uuid.uuid4().hex}"
        call = ToolCall(
            tool=tool, connection=connection, session=session or self.session(connection),
            arguments=dict(arguments), context=context or CallContext(),
            idempotency_key=idempotency_key, first_attempt_at=first_attempt_at or datetime.now(timezone.utc),
            runtime=self,
        )
        return self.hook(tool.connector, {LOOKUP: "lookup", ACTION: "action", ESCALATE: "escalate"}[tool.kind])(call=call)

    def hook(self, connector_name, hook_name):
        """The hook ``hook_name`` as it reaches only the plugin that registered the connector
        (with the core's guard around it): ``hub.hook("zendesk", "ingest_webhook")(...)``."""
        owner = self.registry.plugin_of(connector_name)
        if owner is None:
            raise LookupError(f"no connector named {connector_name!r} is installed")
        return owner_caller(self.pm, owner, hook_name)

    def audit(self, kind, data, **kwargs):
        return self.audit_log.append(kind, data, **kwargs)
