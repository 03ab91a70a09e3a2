"""The understanding data sets are well formed, labelled with known intents and free of leakage.

eval/understanding/check_data.py does the checking (it also runs on its own, before anything is
installed); these tests run it on the shipped data and show that each of its checks fails on
the kind of slip it exists to catch.
"""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_data", ROOT / "eval" / "understanding" / "check_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_data"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


check_data = _load_checker()


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _example(text, label="order_status", split="heldout", language="de", source="x"):
    return check_data.Example(text, label, language, split, source)


def test_shipped_data_has_no_problems():
    problems, counts = check_data.check()
    assert problems == []
    for lang in ("en", "de", "fr", "es"):
        heldout = counts[f"eval/understanding/heldout/{lang}.jsonl"]
        assert set(heldout) == check_data.INTENTS
        assert min(heldout.values()) >= check_data.MIN_PER_INTENT["heldout"]
        heldout2 = counts[f"eval/understanding/heldout2/{lang}.jsonl"]
        assert set(heldout2) == check_data.INTENTS
        assert min(heldout2.values()) >= check_data.MIN_PER_INTENT["heldout2"]
    ood2 = counts["eval/understanding/heldout2/ood.jsonl"]
    assert set(ood2) == {"en", "de", "fr", "es"}
    assert min(ood2.values()) >= check_data.MIN_OOD_PER_LANGUAGE


def test_taxonomy_in_config_is_within_the_agreed_intents():
    examples, problems = check_data.read_file(check_data.data_files()[0])
    assert problems == []
    assert {example.label for example in examples} <= check_data.INTENTS


def test_bad_jsonl_lines_are_reported_with_their_line_number(tmp_path):
    path = tmp_path / "eval" / "understanding" / "heldout" / "de.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(
        "\n".join(
            [
                json.dumps({"text": "Wo ist mein Paket?", "intent": "order_status"}),
                "{not json",
                json.dumps({"text": "Paket weg", "label": "order_status"}),
                json.dumps({"text": "Paket weg", "intent": "parcel_status"}),
                json.dumps({"text": "  ", "intent": "order_status"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    data_file = check_data.DataFile(path, "heldout", "intents-jsonl", "de", True)
    examples, problems = check_data.read_file(data_file, tmp_path)
    assert [example.text for example in examples] == ["Wo ist mein Paket?"]
    rel = "eval/understanding/heldout/de.jsonl"
    assert any(p.startswith(f"{rel}:2: not JSON") for p in problems)
    assert any(p.startswith(f"{rel}:3: expected keys") for p in problems)
    assert f"{rel}:4: unknown intent 'parcel_status'" in problems
    assert f"{rel}:5: empty text" in problems


def test_ood_lines_need_a_known_language(tmp_path):
    path = _jsonl(tmp_path / "ood.jsonl", [{"text": "Ciao, come stai?", "language": "it"}])
    data_file = check_data.DataFile(path, "heldout", "ood-jsonl", None, True)
    examples, problems = check_data.read_file(data_file, tmp_path)
    assert examples == []
    assert problems == ["ood.jsonl:1: unknown language 'it'"]


def test_training_yaml_must_map_known_intents_to_lists(tmp_path):
    path = tmp_path / "fr.yaml"
    path.write_text("order_status: Où est ma commande ?\nwhere_is_it:\n  - Où est mon colis ?\n", encoding="utf-8")
    data_file = check_data.DataFile(path, "training", "examples-yaml", "fr", True)
    examples, problems = check_data.read_file(data_file, tmp_path)
    assert examples == []
    assert "fr.yaml:order_status: expected a list of examples, got str" in problems
    assert "fr.yaml:where_is_it: unknown intent 'where_is_it'" in problems


def test_repeats_inside_a_file_are_found_after_folding():
    examples = [_example("Wo bleibt mein Paket?", source="a:1"), _example("wo BLEIBT mein paket", source="a:2")]
    assert check_data.duplicates_within(examples) == ["a:2: repeats a:1 ('wo BLEIBT mein paket')"]


def test_a_held_out_text_that_is_a_training_text_is_a_leak():
    examples = [
        _example("Bitte Bestellung 1002 stornieren.", "cancel_order", "training", source="t"),
        _example("bitte bestellung 1003 stornieren", "cancel_order", "heldout", source="h"),
    ]
    (problem,) = check_data.leaks_across_splits(examples)
    assert problem.startswith("same text across training and heldout: t ")


def test_near_duplicates_across_splits_are_leaks_but_not_within_a_split():
    near = [
        _example("Ich möchte mich beschweren.", "complaint", "training", source="t"),
        _example("Ich möchte mich offiziell beschweren.", "complaint", "heldout", source="h"),
    ]
    assert len(check_data.leaks_across_splits(near)) == 1
    same_split = [_example(e.text, e.label, "heldout", source=e.source) for e in near]
    assert check_data.leaks_across_splits(same_split) == []


def test_minimal_pairs_with_different_intents_are_kept():
    pair = [
        _example("Can I get my money back?", "refund_request", "training", "en", "t"),
        _example("Can I get my money back from Ticketmaster?", "en", "dev", "en", "ood"),
    ]
    assert check_data.leaks_across_splits(pair) == []


def test_the_same_text_under_two_intents_is_reported_even_so():
    pair = [
        _example("Annulation svp", "cancel_order", "training", "fr", "t"),
        _example("annulation, svp", "cancellation_fee", "dev", "fr", "d"),
    ]
    assert len(check_data.leaks_across_splits(pair)) == 1


def test_the_second_held_out_set_is_checked_against_training_dev_and_legacy():
    training = _example("Bitte Bestellung 1002 stornieren.", "cancel_order", "training", source="t")
    dev = _example("Bitte Bestellung 1002 stornieren!", "cancel_order", "dev", source="d")
    legacy = _example("Where is my parcel right now?", "order_status", "legacy", "en", "old")
    heldout2 = [
        _example("bitte bestellung 1005 stornieren", "cancel_order", "heldout2", source="h2"),
        _example("Where is my parcel right now!", "order_status", "heldout2", "en", "h2en"),
    ]
    assert len(check_data.leaks_across_splits([training, *heldout2])) == 1
    assert len(check_data.leaks_across_splits([dev, *heldout2])) == 1
    assert len(check_data.leaks_across_splits([legacy, *heldout2])) == 1


def test_the_two_held_out_sets_are_not_compared_with_each_other():
    first = _example("Ich möchte mich beschweren.", "complaint", "heldout", source="h")
    second = _example("Ich möchte mich offiziell beschweren.", "complaint", "heldout2", source="h2")
    assert check_data.leaks_across_splits([first, second]) == []


def test_a_second_held_out_file_needs_eight_per_intent(tmp_path):
    data_file = check_data.DataFile(tmp_path / "heldout2" / "fr.jsonl", "heldout2", "intents-jsonl", "fr", True)
    examples = [_example(f"Où est ma commande {n} ?", split="heldout2", language="fr") for n in range(7)]
    problems = check_data.count_problems(data_file, examples, tmp_path)
    assert "heldout2/fr.jsonl: 7 examples of order_status, want at least 8" in problems


def test_the_legacy_english_set_is_compared_with_held_out_only():
    legacy = _example("Where is my parcel right now?", "order_status", "legacy", "en", "old")
    training = _example("where is my parcel right now", "order_status", "training", "en", "t")
    heldout = _example("Where is my parcel right now!", "order_status", "heldout", "en", "h")
    assert check_data.leaks_across_splits([legacy, training]) == []
    assert len(check_data.leaks_across_splits([legacy, heldout])) == 1


def test_a_sentence_filed_under_the_wrong_language_is_flagged():
    misplaced = _example("Je voudrais savoir où est ma commande, je l'attends depuis une semaine", language="de")
    short = _example("ok merci", language="de")
    mixed = _example("my order is in status in Bearbeitung since one week, wann wird sie verschickt?", language="de")
    problems = check_data.misplaced_language([misplaced, short, mixed])
    assert len(problems) == 1
    assert "filed as de but reads as fr" in problems[0]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Where is my order, I have been waiting for a week", "en"),
        ("Wo ist meine Bestellung, ich warte seit einer Woche", "de"),
        ("Où est ma commande, je l'attends depuis une semaine", "fr"),
        ("¿Dónde está mi pedido? Lo espero desde hace una semana", "es"),
    ],
)
def test_marker_words_tell_the_four_languages_apart(text, language):
    assert check_data.looks_like(text) == language


def test_too_few_examples_of_an_intent_are_reported(tmp_path):
    path = _jsonl(tmp_path / "dev" / "es.jsonl", [])
    data_file = check_data.DataFile(path, "dev", "intents-jsonl", "es", True)
    examples = [_example(f"¿Dónde está mi pedido {n}?", split="dev", language="es") for n in range(8)]
    problems = check_data.count_problems(data_file, examples, tmp_path)
    assert "dev/es.jsonl: 8 examples of order_status, want at least 8" not in problems
    assert "dev/es.jsonl: 0 examples of warranty, want at least 8" in problems
    assert len(problems) == len(check_data.INTENTS) - 1


def test_files_owned_by_someone_else_have_no_minimum(tmp_path):
    data_file = check_data.DataFile(tmp_path / "en.jsonl", "dev", "intents-jsonl", "en", False)
    assert check_data.count_problems(data_file, [], tmp_path) == []


def test_ood_files_need_enough_lines_in_every_language(tmp_path):
    data_file = check_data.DataFile(tmp_path / "ood.jsonl", "heldout", "ood-jsonl", None, True)
    examples = [_example(f"cancel my gym membership {n}", "en", language="en") for n in range(250)]
    problems = check_data.count_problems(data_file, examples, tmp_path)
    assert problems == [f"ood.jsonl: 0 {lang} lines, want at least 30" for lang in ("de", "fr", "es")]


def test_missing_data_files_are_reported(tmp_path):
    problems, _ = check_data.check(tmp_path)
    assert "eval/understanding/heldout/fr.jsonl: missing" in problems
    assert "config/examples/es.yaml: missing" in problems
    assert "eval/understanding/heldout2/de.jsonl: missing" in problems
    assert "eval/understanding/heldout2/ood.jsonl: missing" in problems
