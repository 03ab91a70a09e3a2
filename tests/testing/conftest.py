"""Render the connector template once per module: the suite's tests run against a real connector."""

import sys

import pytest


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    """``render(name)`` -> the directory of a freshly rendered connector distribution."""
    from hub.testing.cli import render as render_template

    def make(name, **answers):
        directory = tmp_path_factory.mktemp(f"render-{name}") / f"hub_{name}"
        return render_template(name, directory, **answers)

    return make


@pytest.fixture(scope="session")
def run_pytest():
    """``run_pytest(args, cwd)``: pytest in a child process with this interpreter."""
    import subprocess

    def run(args, cwd, timeout=600):
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                              capture_output=True, text=True, timeout=timeout, check=False)

    return run
