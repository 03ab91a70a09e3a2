"""``plugin_template/`` renders a distribution that installs and passes its own tests.

The distribution is installed for real (not editable, so its package data must be declared)
into this virtualenv, its tests run in a child pytest from outside its folder (so the
installed copy is what gets imported), and it is uninstalled whatever happens.
"""

import subprocess
import sys

NAME = "acme_desk"  # an underscore on purpose: header names, class names and env vars derive from it
DISTRIBUTION = f"helpdesk-hub-{NAME}"


def pip(*args):
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300,
                          check=False)


def test_rendered_connector_installs_and_passes_its_tests(render, run_pytest, tmp_path):
    source = render(NAME)
    # No network: build with the setuptools already in this environment, and the hub is
    # already installed, so nothing needs resolving.
    installed = pip("install", "--no-deps", "--no-build-isolation", "--quiet", str(source))
    try:
        assert installed.returncode == 0, installed.stdout + installed.stderr
        result = run_pytest(["-q", "-rs", str(source / "tests")], cwd=tmp_path)
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
        assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]
        where = subprocess.run([sys.executable, "-c", f"import hub_{NAME}; print(hub_{NAME}.__file__)"],
                               cwd=tmp_path, capture_output=True, text=True, check=True)
        assert str(source) not in where.stdout, "the tests imported the source folder, not the installed package"
    finally:
        removed = pip("uninstall", "--yes", DISTRIBUTION)
    assert removed.returncode == 0, removed.stderr
