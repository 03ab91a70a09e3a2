"""Fixtures serving the toy vendor (sandbox_toy.py) on free loopback ports."""

import pytest
from sandbox_toy import connect, create_toy, hub_session


@pytest.fixture
def serve():
    """serve(sandbox, **kw) -> RunningServer; everything served is stopped after the test."""
    running = []

    def start(sandbox, **kwargs):
        server = sandbox.serve(**kwargs)
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def toy(serve):
    sandbox = create_toy()
    return sandbox, serve(sandbox)


@pytest.fixture
def connected(toy):
    """The toy sandbox with a hub-like OAuth2Session already connected."""
    sandbox, server = toy
    session = hub_session()
    connect(server, session)
    return sandbox, server, session
