"""What a connector tells the core about its sandbox beyond serving it: how the test world and
the demo seed it, who may write to it, and how a ticket is filed, answered and read back there.

A connector names its driver in ``Connector.sandbox_driver`` ("module:callable", like
``Connector.sandbox``). The core's test world (``hub.testing.world``), the replay evaluation
and the demo speak only to drivers, so none of them needs to know a vendor by name: a connector
that ships no driver is simply not part of a test world.

Methods that reach the running sandbox use ``self.world`` (a ``hub.testing.world.World``),
which is None when the driver only answers questions about seeds (``requesters``, the demo).
"""

import importlib


class SandboxDriver:
    """The defaults describe a sandbox that adds nothing to a world: no tickets, no customers."""

    #: Serve over HTTPS only, as the vendor's own clients insist.
    tls = False
    #: Files tickets (a helpdesk); False for a sandbox that only answers lookups and actions.
    helpdesk = False
    #: Started in a test world only when asked for (``World(also=[name])``), because it costs
    #: more to start than the others (certificates, for one).
    on_request = False

    def __init__(self, name, world=None):
        self.name, self.world = name, world

    # -- seeds -----------------------------------------------------------------------------------

    def world_seed(self, directory):
        """The seed file a test world starts the sandbox with; None for its own seed."""
        return None

    def customers(self):
        """People the sandbox's own seed knows as customers: ``{"name", "email"}`` dicts."""
        return []

    def demo_seed(self, directory, customers):
        """The seed file the demo starts the sandbox with, knowing ``customers`` (everyone the
        other sandboxes' seeds have as customers) as people who may write in; None for its own."""
        return None

    def requesters(self):
        """The emails a test world's tickets may come from (a helpdesk's seed users)."""
        return set()

    # -- tickets in a running world --------------------------------------------------------------

    def open_ticket(self, email, subject, body):
        """File a ticket from ``email`` through the vendor's API; return its remote id (str)."""
        raise NotImplementedError(f"{self.name}'s sandbox files no tickets")

    def answer(self, remote_id, email, text):
        """Add ``text`` to the ticket as its requester ``email`` would (answering the agent)."""
        raise NotImplementedError(f"{self.name}'s sandbox files no tickets")

    def status(self, remote_id):
        """The ticket's status in the hub's words (``solved``, ``open``, ``pending`` …)."""
        raise NotImplementedError(f"{self.name}'s sandbox files no tickets")

    def order_state(self, number):
        """What order ``number`` looks like in the store now, or None when this sandbox keeps no
        such order: ``{"id", "refunded" (Decimal), "cancelled", "returned" (Counter of line
        titles), "titles"}``. The replay reads it before and after to see what the agent did."""
        return None

    # -- the demo --------------------------------------------------------------------------------

    def file_ticket(self, session, email, subject, body):
        """File a demo ticket with ``session`` (the hub's own authorised vendor session); return
        its remote id. Raise ``TicketRefused`` saying why the vendor would not take it."""
        raise NotImplementedError(f"{self.name}'s sandbox files no tickets")


class TicketRefused(Exception):
    """The sandbox cannot file this demo ticket (its requester is unknown there, say)."""


class DriverLoadError(Exception):
    """``Connector.sandbox_driver`` does not name an importable SandboxDriver."""


def load_driver_class(connector):
    """Import ``Connector.sandbox_driver`` ("module:callable"); None when it names none."""
    where = getattr(connector, "sandbox_driver", None)
    if not where:
        return None
    module_name, _, attribute = where.partition(":")
    try:
        driver = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise DriverLoadError(f"{connector.name}: cannot load its sandbox driver {where!r}: {error}") from None
    if not (isinstance(driver, type) and issubclass(driver, SandboxDriver)):
        raise DriverLoadError(f"{connector.name}: its sandbox driver {where} is not a SandboxDriver")
    return driver


def drivers(registry, world=None):
    """``{connector name: driver}`` for every registered connector that ships one."""
    found = {}
    for name, connector in sorted(registry.connectors.items()):
        driver = load_driver_class(connector)
        if driver is not None:
            found[name] = driver(name, world)
    return found


def installed_drivers(env=None):
    """The drivers of the connectors installed here (the plugins the hub itself would load)."""
    from hub.plugins import load_plugins
    from hub.registry import Registry

    return drivers(Registry.collect(load_plugins(env)))
