"""The vendor's own Python clients against the sandbox: pysnow (isolated) and PySNC (official).

pysnow pins old dependencies (pytz<2020, ijson<3, requests-oauthlib<2), so it runs in a
throw-away virtualenv this module creates under tmp; PySNC only speaks https, so it talks to
the same sandbox served with the kit's local CA.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pysnc import ServiceNowClient

from hub.sandbox import ensure_certificates
from hub.testing.services import require_service
from hub_servicenow.sandbox import create_sandbox

USER, PASSWORD = "hub.integration", "sandbox-integration-password"
ADA = "a8f98bb0eb32010045e1a5115206fe04"
DRIVER = Path(__file__).parent / "clients" / "pysnow_driver.py"
PYSNOW = "pysnow==0.7.17"


@pytest.fixture(scope="module")
def pysnow_python(tmp_path_factory):
    """A virtualenv with pysnow installed; skipped only when the package index is unreachable."""
    venv = tmp_path_factory.mktemp("pysnow-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", PYSNOW],
                             capture_output=True, text=True, timeout=300)
    if install.returncode != 0:
        probe = subprocess.run([str(python), "-m", "pip", "download", "--no-deps", "--quiet", "-d",
                                str(venv / "probe"), PYSNOW], capture_output=True, text=True, timeout=120)
        if probe.returncode != 0:
            require_service("the package index", f"cannot install {PYSNOW}: "
                            f"{(probe.stderr.strip().splitlines() or ['no output'])[-1]}")
        pytest.fail(f"{PYSNOW} was downloadable but did not install:\n{install.stderr[-2000:]}")
    return python


@pytest.fixture
def http_sandbox():
    sandbox = create_sandbox()
    with sandbox.serve() as server:
        yield sandbox, server


@pytest.fixture
def https_sandbox(tmp_path, monkeypatch):
    sandbox = create_sandbox()
    tls = ensure_certificates(tmp_path / "tls")
    # PySNC sends each request with the environment's CA bundle when one is set, which wins
    # over its verify= argument; point that variable at the kit's CA as an operator would.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    with sandbox.serve(tls=tls) as server:
        yield sandbox, server, tls


def test_pysnow_reads_writes_and_deletes(pysnow_python, http_sandbox):
    sandbox, server = http_sandbox
    run = subprocess.run([str(pysnow_python), str(DRIVER), str(server.port), USER, PASSWORD],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout)
    assert seen["one"]["number"] == "INC0010001" and seen["one"]["state"] == "1"
    assert seen["one"]["caller_id"] == {"link": f"{server.url}/api/now/table/sys_user/{ADA}", "value": ADA}
    assert seen["active_for_ada"] == ["INC0010001", "INC0010002", "INC0010003", "INC0010004"]
    assert len(seen["page"]) == 2
    assert seen["created"] == {"number": "INC0010009", "urgency": "2", "state": "1"}
    assert seen["updated_mod_count"] == "1"
    assert seen["journal"] == ["Hello from pysnow"]
    assert seen["deleted"] == {"status": "record deleted"}
    assert seen["after_delete"] == "NoResults"
    assert seen["bad_table"] == [400, "Invalid table no_such_table"]
    with sandbox.lock:
        assert not any(r["number"] == "INC0010009" for r in sandbox.data["tables"]["incident"])


def test_pysnc_glide_record_over_https(https_sandbox):
    sandbox, server, tls = https_sandbox
    client = ServiceNowClient(server.url, (USER, PASSWORD), verify=str(tls.ca))

    incidents = client.GlideRecord("incident")
    incidents.batch_size = 2  # PySNC pages by sysparm_offset: 5 rows take three requests
    incidents.add_query("caller_id.email", "ada@example.com")
    incidents.order_by("number")
    incidents.query()
    assert len(incidents) == 5
    assert [record.number for record in incidents] == [f"INC001000{n}" for n in range(1, 6)]

    incident = client.GlideRecord("incident")
    assert incident.get("number", "INC0010003")
    assert incident.get_display_value("state") == "On Hold"
    assert incident.get_value("caller_id") == ADA
    assert incident.get_display_value("caller_id") == "Ada Lovelace"

    created = client.GlideRecord("incident")
    created.initialize()
    created.short_description = "Created by PySNC"
    created.caller_id = ADA
    sys_id = created.insert()
    assert sys_id

    again = client.GlideRecord("incident")
    assert again.get(sys_id)
    again.work_notes = "Internal note from PySNC"
    again.update()
    with sandbox.lock:
        notes = [j for j in sandbox.data["tables"]["sys_journal_field"] if j["element_id"] == str(sys_id)]
    assert [(n["element"], n["value"], n["sys_created_by"]) for n in notes] == [
        ("work_notes", "Internal note from PySNC", USER)]

    assert again.delete()
    assert not client.GlideRecord("incident").get(sys_id)


def test_pysnc_refuses_wrong_password(https_sandbox):
    from pysnc.exceptions import AuthenticationException

    _, server, tls = https_sandbox
    client = ServiceNowClient(server.url, (USER, "wrong"), verify=str(tls.ca))
    records = client.GlideRecord("incident")
    with pytest.raises(AuthenticationException):
        records.query()
