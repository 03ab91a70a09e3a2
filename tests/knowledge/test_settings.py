import pytest

from hub.knowledge import KnowledgeConfigError
from hub.knowledge.settings import DEFAULT_CALIBRATION, KnowledgeSettings


def test_defaults_and_data_dir():
    assert KnowledgeSettings.from_settings({}).path == "var/chroma"
    settings = KnowledgeSettings.from_settings({"data_dir": "/srv/hub", "knowledge": {}})
    assert settings.path == "/srv/hub/chroma"
    assert settings.calibration == DEFAULT_CALIBRATION
    assert KnowledgeSettings.from_settings({"data_dir": "x", "knowledge": {"path": "y"}}).path == "y"


@pytest.mark.parametrize(
    "knowledge, message",
    [
        ({"treshold": 0.5}, "unknown setting knowledge.treshold"),
        ({"threshold": "high"}, "knowledge.threshold must be"),
        ({"threshold": 1.5}, "between 0 and 1"),
        ({"top_k": True}, "knowledge.top_k must be int"),
        ({"top_k": 0}, "at least 1"),
        ({"chunk_size": 100, "chunk_overlap": 100}, "chunk_overlap"),
        ({"calibration": {"slope": 1}}, "calibration"),
        ({"url": "chroma:8000"}, "http"),
        ({"folders": [42]}, None),
        ({"connections": "3f2c"}, "knowledge.connections must be list"),
        ({"connections": [7]}, "knowledge.connections entries must be connection ids"),
        ({"connections": [" "]}, "knowledge.connections entries must be connection ids"),
    ],
)
def test_bad_values_are_named(knowledge, message):
    if message is None:  # folders are checked when used
        with pytest.raises(KnowledgeConfigError, match="folders"):
            KnowledgeSettings.from_settings({"knowledge": knowledge}).folder_sources()
        return
    with pytest.raises(KnowledgeConfigError, match=message):
        KnowledgeSettings.from_settings({"knowledge": knowledge})


def test_knowledge_section_must_be_a_mapping():
    with pytest.raises(KnowledgeConfigError, match="mapping"):
        KnowledgeSettings.from_settings({"knowledge": ["x"]})
