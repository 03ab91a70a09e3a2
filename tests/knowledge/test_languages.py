"""Articles in four languages: a customer is answered from articles in their language, cited by
that language's URL, or refused — never quoted an article in another language."""

import pytest
import yaml

from hub.knowledge import KnowledgeBase, LocalFolderSource
from hub.knowledge.errors import KnowledgeConfigError
from hub.knowledge.evaluate import metrics, read_questions, score_questions
from hub.knowledge.settings import KnowledgeSettings

from .conftest import REPO, SAMPLE_KB

TRANSLATIONS = REPO / "kb-translations"
SETTINGS = yaml.safe_load((REPO / "config" / "settings.yaml").read_text())["knowledge"]


@pytest.fixture(scope="module")
def four_languages(tmp_path_factory, embeddings):
    """The sample articles and their translations, with the shipped per-language calibrations."""
    path = tmp_path_factory.mktemp("languages") / "chroma"
    kb = KnowledgeBase.open({"knowledge": {"path": str(path), "calibrations": SETTINGS["calibrations"]}},
                            embeddings=embeddings)
    kb.sync(LocalFolderSource(SAMPLE_KB, name="sample"), progress=False)
    kb.sync(LocalFolderSource(TRANSLATIONS, name="translations"), progress=False)
    return kb


def test_every_translation_names_its_language_and_an_english_original():
    originals = {a.remote_id for a in LocalFolderSource(SAMPLE_KB).articles()}
    translated = list(LocalFolderSource(TRANSLATIONS).articles())
    assert {a.language for a in translated} == {"de", "fr", "es"}
    for article in translated:
        assert article.article in originals, article.remote_id
        assert article.remote_id.startswith(f"{article.language}/")
        assert f"/{article.language}/articles/" in article.url
    by_language = {lang: {a.article for a in translated if a.language == lang} for lang in ("de", "fr", "es")}
    assert by_language["de"] == by_language["fr"] == by_language["es"]  # the same articles in each


def test_a_french_question_is_answered_from_the_french_article_and_cites_its_url(four_languages):
    answer = four_languages.ask("Combien de temps ai-je pour retourner un article ?", language="fr")
    assert not answer.refused, answer.reason
    assert answer.citations[0] == ("Politique de retour", "https://help.brightline.example/fr/articles/returns-policy")
    assert "30 jours" in answer.text
    assert {hit.language for hit in answer.chunks} == {"fr"}


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_each_language_sees_only_its_own_articles(four_languages, language):
    hits = four_languages.search("returns refund shipping Rücksendung remboursement devolución", 20, language=language)
    assert hits and {hit.language for hit in hits} == {language}
    assert {hit.article_id for hit in hits} <= {a.remote_id for a in LocalFolderSource(SAMPLE_KB).articles()}


def test_a_question_no_article_in_its_language_answers_is_refused(four_languages):
    # The password article exists in English only: a German customer is handed over, not quoted English.
    answer = four_languages.ask("Wie setze ich mein Passwort zurück?", language="de")
    assert answer.refused and answer.reason == "no article is relevant enough in de"
    assert all(hit.language == "de" for hit in answer.chunks)


def test_a_language_without_a_calibration_is_never_answered(four_languages, tmp_path, embeddings):
    uncalibrated = KnowledgeBase.open({"knowledge": {"path": str(tmp_path / "chroma")}}, embeddings=embeddings)
    uncalibrated.sync(LocalFolderSource(TRANSLATIONS, name="translations"), progress=False)
    answer = uncalibrated.ask("Combien de temps ai-je pour retourner un article ?", language="fr")
    assert answer.refused and answer.reason.startswith("no calibration for questions in fr")
    assert answer.chunks  # what was found still goes into the hand-over note
    assert uncalibrated.ask("¿Cuánto tarda un envío?", language="it").reason == "no articles in it"


def test_english_answers_are_unchanged_by_the_translations(four_languages):
    rows = read_questions(REPO / "eval" / "knowledge.jsonl")
    result = metrics(score_questions(four_languages, [dict(r, language="en") for r in rows]),
                     four_languages.settings.calibration, four_languages.settings.threshold)
    # The same floors as tests/knowledge/test_evaluate.py: the translations take nothing away.
    assert result["hit@1"] >= 0.8 and result["refusal_precision"] >= 0.75 and result["coverage"] >= 0.83


# Floors under the numbers in docs/i18n.md (the USE encoder, the questions in
# eval/knowledge-i18n/, the shipped calibrations), so a regression in same-language retrieval fails.
@pytest.mark.parametrize("language, hit1, answer_precision, refusal_recall", [
    ("de", 0.75, 0.7, 0.8), ("fr", 0.9, 0.8, 0.8), ("es", 0.75, 0.75, 0.8)])
def test_same_language_retrieval_quality(four_languages, language, hit1, answer_precision, refusal_recall):
    rows = read_questions(REPO / "eval" / "knowledge-i18n" / f"{language}.jsonl")
    assert {r["language"] for r in rows} == {language} and sum(r["article"] is None for r in rows) >= 6
    result = metrics(score_questions(four_languages, rows), four_languages.settings.calibration_for(language),
                     four_languages.settings.threshold)
    assert result["hit@1"] >= hit1
    assert result["answer_precision"] >= answer_precision
    assert result["refusal_recall"] >= refusal_recall


def test_per_language_calibrations_are_validated():
    assert KnowledgeSettings.from_settings({"knowledge": {"calibrations": {"de": {"slope": 2, "intercept": -1}}}}) \
        .calibration_for("de") == {"slope": 2, "intercept": -1}
    with pytest.raises(KnowledgeConfigError, match="knowledge.calibrations.fr must be"):
        KnowledgeSettings.from_settings({"knowledge": {"calibrations": {"fr": {"slope": 2}}}})
    assert KnowledgeSettings().calibration_for("en") == KnowledgeSettings().calibration
    assert KnowledgeSettings().calibration_for("fr") is None
