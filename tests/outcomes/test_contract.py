import copy

import pytest
import yaml

from hub.errors import ConfigError
from hub.outcomes.contract import load_contract

from outcomes_story import CONTRACT


def test_the_shipped_contract_is_valid():
    from pathlib import Path

    contract = load_contract(Path(__file__).resolve().parents[2] / "config")
    assert contract.currency and contract.price_per_resolution > 0


def _with(changes, drop=None):
    data = copy.deepcopy(CONTRACT)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    if drop:
        del data[drop]
    return data


@pytest.mark.parametrize("data, key, reason", [
    (_with({}, drop="price_per_resolution"), "price_per_resolution", "Field required"),
    (_with({}, drop="sla"), "sla", "Field required"),
    (_with({"price_per_resolution": "two pounds"}), "price_per_resolution", "is not an amount"),
    (_with({"price_per_resolution": "-1"}), "price_per_resolution", "must not be negative"),
    (_with({"price_per_resolution": True}), "price_per_resolution", "must be an amount"),
    (_with({"price_per_resolution": "0"}), None, "nothing could ever be billed"),
    (_with({"monthly_cap": "1.00"}), None, "monthly_cap 1.00 is below price_per_resolution 2.00"),
    (_with({"currency": "pounds"}), "currency", "String should match"),
    (_with({"timezone": "Mars/Olympus"}), "timezone", "not an IANA time zone"),
    (_with({"minimum_true_resolution_rate": 70}), "minimum_true_resolution_rate", "write 70% as 0.70"),
    (_with({"minimum_true_resolution_rate": 0.8}), None, "credits.true_resolution_rate starts below 0.7 but minimum_true_resolution_rate is 0.8"),
    (_with({"sla.resolution_minutes.urgent": 10}), "sla", "resolution_minutes.urgent is shorter than first_response_minutes.urgent"),
    (_with({"sla.first_response_minutes.low": 0}), "sla.first_response_minutes.low", "greater than 0"),
    (_with({"credits.true_resolution_rate": [{"below": 0.7, "percent": 10}, {"below": 0.8, "percent": 20}]}), None, "'below' falling"),
    (_with({"credits.true_resolution_rate": [{"below": 0.7, "percent": 30}, {"below": 0.5, "percent": 20}]}), None, "bigger credit"),
    (_with({"credits.true_resolution_rate": [{"below": 0.7, "percent": 99}], "credits.sla_compliance": [{"below": 0.9, "percent": 5}]}), None, "more than the whole bill"),
    (_with({"credits.sla_compliance": [{"below": 0.9, "percent": 0}]}), "credits.sla_compliance.0.percent", "more than 0"),
    (_with({"surprise": 1}), "surprise", "Extra inputs are not permitted"),
])
def test_bad_contracts_name_the_key_and_reason(tmp_path, data, key, reason):
    (tmp_path / "contract.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        load_contract(tmp_path)
    error = caught.value
    assert error.file.endswith("contract.yaml") and error.key == key and reason in error.reason
    assert "\n" not in str(error)


def test_missing_and_unparsable_files(tmp_path):
    with pytest.raises(ConfigError, match="contract.yaml: file not found"):
        load_contract(tmp_path)
    (tmp_path / "contract.yaml").write_text("price: [1,\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_contract(tmp_path)


def test_amounts_keep_what_the_operator_wrote(tmp_path):
    (tmp_path / "contract.yaml").write_text(yaml.safe_dump(_with({"price_per_resolution": 0.1})))
    assert str(load_contract(tmp_path).price_per_resolution) == "0.1"
