import pytest
import yaml

from hub import audit

from outcomes_story import CONTRACT, Clock, Story, tell


@pytest.fixture
def contract_file(config_dir):
    (config_dir / "contract.yaml").write_text(yaml.safe_dump(CONTRACT))
    return config_dir / "contract.yaml"


@pytest.fixture
def story(hub, contract_file, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(audit, "utcnow", clock)
    told = Story(hub, clock)
    tell(told)
    return told
