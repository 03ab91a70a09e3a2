"""Catalogues: what a translation may contain, how they load, and how they follow the flows."""

import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from hub.i18n import NoTranslation, TranslationError, language_of
from hub.i18n.catalogue import Catalogues, catalogue_path
from hub.i18n.check import problems as untranslated
from hub.i18n.extract import KEYWORDS, extract_flows, template
from hub.i18n.formats import Formats
from hub.i18n.templates import missing, problems
from hub.i18n.update import update_catalogues

REPO = Path(__file__).resolve().parents[2]
SOURCE = 'Order {{ order.name }}: {{ order.total | money }}{% if order.cancelled %} (cancelled){% endif %}.'


@pytest.mark.parametrize("translation", [
    'Bestellung {{ order.name }}: {{ order.total | money }}{% if order.cancelled %} (storniert){% endif %}.',
    '{% if order.cancelled %}Storniert: {% endif %}{{ order.total | money }} für {{ order.name }}.',  # reordered
    'Bestellung {{ order.name }}.',  # leaves something out: usable, but `hub i18n check` says so
])
def test_a_translation_may_reword_and_reorder_the_source(translation):
    assert problems(SOURCE, translation) == []


@pytest.mark.parametrize("translation, added", [
    ('{{ order.name }} {{ order.customer.email }}', "order.customer"),  # a fact the author did not show
    ('{{ requester.email }}', "requester"),
    ('{{ order.name | upper }}', "filter upper"),
    ('{{ days_since(order.name) }}', "call days_since"),
    ('{% set x = order.name %}{{ x }}', "node Assign"),
    ('{% include "other" %}', "node Include"),
    ('{{ order.name ~ order.name }}', "operator Concat"),
    ('{% for o in order %}{{ o }}{% endfor %}', "node For"),
])
def test_a_translation_never_adds_an_expression(translation, added):
    [problem] = problems(SOURCE, translation)
    assert added in problem and "the English source does not" in problem


def test_a_translation_that_does_not_parse_is_refused():
    [problem] = problems(SOURCE, "Bestellung {{ order.name }")
    assert problem.startswith("does not parse")


def test_missing_placeholders_are_named_by_their_leaves():
    assert missing(SOURCE, "Bestellung {{ order.name }}.") == ["order.cancelled", "order.total"]


def _catalogue(tmp_path, entries, language="de"):
    """A one-language locale folder with ``entries`` [(English, translation, fuzzy)]."""
    path = catalogue_path(tmp_path / "locale", language)
    path.parent.mkdir(parents=True)
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=utf-8\\n"', ""]
    for english, translation, fuzzy in entries:
        lines += (["#, fuzzy"] if fuzzy else []) + [f'msgid "{english}"', f'msgstr "{translation}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return tmp_path / "locale"


def test_a_catalogue_with_an_added_expression_stops_the_load_naming_file_line_and_message(tmp_path):
    locale = _catalogue(tmp_path, [("Order {{ order.name }}.", "Bestellung {{ order.name }} an {{ order.email }}.", False)])
    with pytest.raises(TranslationError) as error:
        Catalogues.load(locale)
    assert f"{catalogue_path(locale, 'de')}:5: the de translation of 'Order {{{{ order.name }}}}.'" in str(error.value)
    assert "uses order.email, which the English source does not" in str(error.value)


def test_a_fuzzy_or_missing_translation_is_never_sent_in_english(tmp_path):
    locale = _catalogue(tmp_path, [("Order {{ order.name }}.", "Bestellung {{ order.name }}.", True),
                                   ("Thanks.", "", False)])
    catalogues = Catalogues.load(locale)
    facts = {"order": {"name": "#1016"}}
    with pytest.raises(NoTranslation, match="only a fuzzy translation in German"):
        catalogues.render("Order {{ order.name }}.", facts, "de")
    with pytest.raises(NoTranslation, match="no translation in German"):
        catalogues.render("Thanks.", facts, "de")
    with pytest.raises(NoTranslation, match="no catalogue in Italian"):
        catalogues.render("Thanks.", facts, "it")
    assert catalogues.render("Order {{ order.name }}.", facts, "und") == "Order #1016."  # English


def test_an_unreadable_catalogue_is_one_line_naming_it(tmp_path):
    path = catalogue_path(tmp_path / "locale", "fr")
    path.parent.mkdir(parents=True)
    path.write_text('msgid "a"\nmsgstr "b"\nmsgid "a"\nmsgstr "c"\nnonsense here\n', encoding="utf-8")
    with pytest.raises(TranslationError, match=r"fr/LC_MESSAGES/messages.po: cannot read the catalogue"):
        Catalogues.load(tmp_path / "locale")


@pytest.mark.parametrize("code, language", [("de", "de"), ("DE-at", "de"), ("fr_CA", "fr"), ("und", "en"),
                                            (None, "en"), ("", "en"), ("it", "it")])
def test_the_run_language_is_read_from_the_detectors_code(code, language):
    assert language_of(code) == language


def test_money_dates_and_status_words_follow_the_language():
    words = {("status", "paid"): "bezahlt"}
    german = Formats("de", lambda context, english: words.get((context, english)))
    assert german.money({"amount": "1234.5", "currency": "EUR"}) == "1.234,50\xa0€"
    assert german.money("48", "USD") == "48,00\xa0$"
    assert german.money("12.5") == "12,50"
    assert german.date("2026-05-03T16:20:00Z") == "3. Mai 2026"
    assert german.status("PAID") == "bezahlt"
    with pytest.raises(NoTranslation, match="no translation of the status word in German"):
        german.status("CHARGED_BACK")
    english = Formats()
    assert (english.money({"amount": "48", "currency": "USD"}), english.date("2026-05-03")) == ("US$48.00", "3 May 2026")
    assert english.status("PARTIALLY_FULFILLED") == "partially fulfilled"
    assert english.money("not a number", "EUR") == "not a number" and english.date("soon") == "soon"
    assert Formats("fr").money({"amount": "64", "currency": "EUR"}) == "64,00\xa0€"
    assert Formats("es").date("2026-05-03") == "3 de mayo de 2026"


def test_the_extractor_finds_what_the_flows_load_and_is_registered_with_babel():
    for path in sorted((REPO / "config" / "flows").glob("*.yaml")):
        nodes = yaml.safe_load(path.read_text())["nodes"]
        with open(path, "rb") as file:
            for _, _, english, [where] in extract_flows(file, KEYWORDS, [], {}):
                _, node, field = where.split(".")
                assert nodes[node][field] == english  # a folded block arrives folded
    assert "hub.i18n.extract:extract_flows" in {e.value for e in entry_points(group="babel.extractors", name="flows")}
    found = {m.auto_comments[0] for m in template(REPO / "config") if m.auto_comments}
    assert {"order_status.ask_number.question", "refund.done.message"} <= found
    assert not any(w.endswith((".summary", ".reason", ".suggestion")) for w in found)  # operators read English


def test_the_shipped_catalogues_translate_every_customer_message():
    assert untranslated(REPO / "config") == []


@pytest.fixture
def config(tmp_path):
    copied = tmp_path / "config"
    shutil.copytree(REPO / "config", copied)
    return copied


def test_extract_keeps_translations_and_marks_changed_messages_fuzzy(config):
    [before, *_] = update_catalogues(config)  # the shipped catalogues are current: nothing to do
    assert (before.language, before.fuzzy, before.untranslated) == ("de", 0, 0)
    flow = config / "flows" / "refund.yaml"
    flow.write_text(flow.read_text().replace("Sorry to hear that. Which order should we refund?",
                                             "Sorry to hear that! Which order should we refund?"))
    [de, es, fr] = update_catalogues(config)
    assert (de.language, de.translated, de.fuzzy, de.untranslated) == ("de", before.translated - 1, 1, 0)
    with open(catalogue_path(config / "locale", "de"), "rb") as file:
        catalog = read_po(file)
    changed = catalog.get("Sorry to hear that! Which order should we refund? Please send the order number (like #1001).")
    assert changed.fuzzy and changed.string.startswith("Das tut uns leid.")
    text = catalogue_path(config / "locale", "de").read_text(encoding="utf-8")
    assert '#| msgid "Sorry to hear that. Which order should we refund?' in text  # the English it was made for
    problems_now = untranslated(config)
    assert len(problems_now) == 3 and all("refund.ask_number.question: only a fuzzy translation" in p
                                          for p in problems_now)
    again = update_catalogues(config)  # nothing changed since: nothing moves
    assert [(c.translated, c.fuzzy) for c in again] == [(before.translated - 1, 1)] * 3


def test_hub_i18n_check_and_flows_check_name_every_message_without_a_translation(config):
    run = [sys.executable, "-m", "hub"]
    ok = subprocess.run(run + ["i18n", "check", "--config-dir", str(config)], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("ok"), ok.stdout + ok.stderr
    flow = config / "flows" / "order_status.yaml"
    flow.write_text(flow.read_text().replace("Reply here if anything looks wrong", "Write back if anything looks wrong"))
    po = catalogue_path(config / "locale", "fr")
    text = po.read_text(encoding="utf-8")
    assert "Nous avons remboursé {{ asked.amount | money }}" in text
    po.write_text(text.replace("Nous avons remboursé {{ asked.amount | money }}", "Nous avons remboursé la somme"),
                  encoding="utf-8")
    bad = subprocess.run(run + ["i18n", "check", "--config-dir", str(config)], capture_output=True, text=True)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert "error: de: order_status.answer.message: no translation" in lines
    assert "error: es: order_status.answer.message: no translation" in lines
    assert any(line.startswith("error: fr: refund.done.message: the translation (line ")
               and line.endswith("leaves out asked.amount") for line in lines), lines
    flows = subprocess.run(run + ["flows", "check", "--config-dir", str(config)], capture_output=True, text=True)
    assert flows.returncode == 2 and "error: fr: order_status.answer.message: no translation" in flows.stderr


def test_rendering_in_one_language_leaves_the_others_forms_alone():
    from hub.agent import expressions

    catalogues = Catalogues.load(REPO / "config" / "locale")
    template = "{{ order.total | money }}"
    facts = {"order": {"total": {"amount": "1234.5", "currency": "EUR"}}}
    assert expressions.render(template, facts, Formats("fr")) == "1\u202f234,50\xa0€"
    assert expressions.render(template, facts) == "€1,234.50"  # operators' English is untouched
    assert catalogues.formats("de").money(facts["order"]["total"]) == "1.234,50\xa0€"
    assert expressions.render(template, facts) == "€1,234.50"
