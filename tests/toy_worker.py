"""`hub worker` with the toy plugin registered, for tests whose events come from the toy vendor:
the worker needs the connector of every event it processes (hub.inbound.confirmed asks it whether
its vendor signs)."""

from hub.cli import cli
from hub.plugins import pm
from toy import ToyPlugin

if __name__ == "__main__":
    pm.register(ToyPlugin(), name="toy")
    cli(["worker", *__import__("sys").argv[1:]], prog_name="hub")
