"""Agent tests run in a small world of sandboxes, the hub's web app, Redis and real OAuth."""

import pytest

from hub.testing.world import World


@pytest.fixture
def world(tmp_path, redis_url):
    built = World(tmp_path, redis_url)
    try:
        yield built
    finally:
        built.stop()
