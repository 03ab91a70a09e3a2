"""split_requests: a ticket's separate requests, as spans of its text."""

import pytest

from hub.understanding.entities import extract
from hub.understanding.reading_eval import ROOT, oracle_classify, read_jsonl, score_requests
from hub.understanding.requests import RequestSpan, split_requests


def texts(text, classify=None):
    spans = split_requests(text, classify)
    for span in spans:  # spans are slices of the ticket, so entities and quotes point into it
        assert text[span.start: span.end] == span.text
    return [s.text for s in spans]


# A deterministic classify for the merging logic, independent of any model's quality.
KEYWORDS = [
    ("refund", "refund_request"), ("money back", "refund_request"), ("cancel", "cancel_order"),
    ("return", "return_request"), ("where is", "order_status"), ("arrive", "order_status"),
    ("password", "password_reset"), ("unsubscribe", "newsletter"), ("newsletter", "newsletter"),
    ("slack", "it_software_access"), ("figma", "it_software_access"), ("invoice", "invoice_question"),
    ("ship to", "delivery_options"), ("not working", "it_problem"), ("stopped working", "it_problem"),
    ("startet nicht", "it_problem"), ("no enciende", "it_problem"), ("is still down", "it_problem"),
]


def keyword_classify(piece):
    lowered = piece.lower()
    for word, intent in KEYWORDS:
        if word in lowered:
            return intent, 0.95, False
    return "out_of_scope", 0.2, True


@pytest.mark.parametrize("classify", [None, keyword_classify], ids=["default", "classify"])
@pytest.mark.parametrize(
    "text",
    [
        "cancel order 1001 and refund me",
        "I want to return the jacket and get my money back",
        "where is order 1014 and when will it arrive",
        "Annulez la commande 3301 et remboursez-moi s'il vous plaît.",
        "Cancelen el pedido 3302 y devuélvanme el dinero, por favor.",
        "Bitte Bestellung 1002 stornieren und mir das Geld zurücküberweisen.",
        "Hi,\n\nI ordered a tee last week (order 1001).\n\nIt's too big, can I return it?\n\nThanks,\nAda",
        "Please set up the new starter with:\n- Slack\n- Zoom\n- Jira\nThanks!",
    ],
)
def test_one_request_is_not_over_split(text, classify):
    assert len(texts(text, classify)) == 1


@pytest.mark.parametrize(
    "text, first, second",
    [
        ("Where is order 1001? Also, can you unsubscribe me from the newsletter?", "Where is order 1001?", "unsubscribe me"),
        ("Please reset my password. One more thing: I need Figma.", "reset my password", "I need Figma"),
        ("Could you unsubscribe me? PS: do you ship to Canada?", "unsubscribe me", "do you ship to Canada"),
        ("Wo ist Bestellung 1001? Außerdem möchte ich mich vom Newsletter abmelden.", "Wo ist", "Newsletter"),
        ("Bitte Passwort zurücksetzen. Noch etwas: ich brauche Figma.", "Passwort", "Figma"),
        ("Où est la commande 1001 ? De plus, pouvez-vous me désabonner ?", "Où est", "désabonner"),
        ("Où est la commande 1001 ? Par ailleurs, la facture est fausse, pouvez-vous la corriger ?", "Où est", "facture"),
        ("¿Dónde está el pedido 1001? Además, ¿me dan de baja del boletín?", "Dónde", "baja"),
        ("Necesito Zoom porfa. Otra cosa: mi teclado no funciona.", "Zoom", "teclado"),
        ("1) Where is order 4471?\n2) Can I change the delivery address?", "Where is order 4471?", "delivery address"),
    ],
)
def test_connectives_and_lists_split_in_four_languages(text, first, second):
    found = texts(text)
    assert len(found) == 2 and first in found[0] and second in found[1]


def test_greetings_thanks_and_signatures_are_not_requests():
    text = "Hello team,\n\nWhere is my order 1016?\n\nThanks in advance!\n\nBest regards,\nHelen Park\nHead of Ops\n\nSent from my iPhone"
    assert texts(text) == ["Where is my order 1016?"]


def test_a_remark_after_ps_is_context_not_a_request():
    assert len(texts("Can you change the address on 1016 to 5 High St? PS I love the new packaging!")) == 1


def test_a_ticket_subject_line_joins_its_body():
    assert len(texts("Question about order 1001\n\nHi, has it shipped yet?")) == 1


def test_only_thanks_is_one_span_and_empty_is_none():
    assert texts("Thanks so much, have a nice day!") == ["Thanks so much, have a nice day!"]
    assert split_requests("") == [] and split_requests("  \n ") == []


def test_classify_splits_clauses_the_default_keeps_together():
    text = "Reset my password and unsubscribe me from your newsletter."
    assert len(texts(text)) == 1  # conservative: no connective, no split
    assert texts(text, keyword_classify) == ["Reset my password", "and unsubscribe me from your newsletter."]


def test_classify_merges_a_request_split_by_a_connective():
    text = "Can you delete my account? And please make sure you also delete all my data."
    assert len(texts(text)) == 2
    same = lambda piece: ("account_delete", 0.9, False)  # noqa: E731
    assert len(texts(text, same)) == 1


def test_classify_keeps_same_intent_apart_when_the_objects_differ():
    text = "Please cancel 1001. Also please cancel 1041, both were mistakes."
    assert len(texts(text, keyword_classify)) == 2


def test_classify_merges_intents_that_belong_to_one_request():
    text = "Please cancel order 1001.\n\nI want my money back."
    assert len(texts(text, keyword_classify)) == 1  # cancellation and its refund


def test_an_unsure_classifier_can_only_undo_splits():
    """Out-of-scope everywhere (a classifier that cannot read the language) must not merge
    requests the text itself separates, nor split what it keeps together."""
    lost = lambda piece: ("out_of_scope", 0.99, False)  # noqa: E731
    unsure = lambda piece: ("unsure", 0.1, True)  # noqa: E731
    text = "Wo ist Bestellung 1001? Außerdem möchte ich mich vom Newsletter abmelden."
    assert len(texts(text, lost)) == 2 and len(texts(text, unsure)) == 2
    assert len(texts("cancel order 1001 and refund me", lost)) == 1


@pytest.mark.parametrize("text, first, second", [
    ("Reset my password and my VPN is not working", "Reset my password", "and my VPN is not working"),
    ("Need Figma for Thursday, and my laptop trackpad stopped working this morning.", "Need Figma for Thursday",
     "and my laptop trackpad stopped working this morning."),
    ("Ich brauche Zugang zu Figma und mein Laptop startet nicht mehr.", "Ich brauche Zugang zu Figma",
     "und mein Laptop startet nicht mehr."),
    ("Necesito acceso a Slack y mi portátil no enciende.", "Necesito acceso a Slack", "y mi portátil no enciende."),
])
def test_a_fault_of_its_own_beside_a_request_is_a_request_of_its_own(text, first, second):
    assert texts(text, keyword_classify) == [first, second]
    assert texts(text) == [text]  # without a classifier only strong starts split


def test_an_outage_reported_without_a_request_word_is_a_request():
    # "is still down" asks for nothing in words, yet it is something to fix, not context.
    text = "Can you get me Slack? Plus the Wi-Fi in room Babbage is still down."
    assert texts(text, keyword_classify) == ["Can you get me Slack?", "Plus the Wi-Fi in room Babbage is still down."]


def test_a_fault_that_is_part_of_the_request_stays_with_it():
    # Same intent on both sides: one request, whatever the fault clause says.
    assert texts("My Slack is not working and my Slack login is not working either", keyword_classify) == [
        "My Slack is not working and my Slack login is not working either"]


def test_a_failing_classifier_falls_back_to_the_text():
    def broken(piece):
        raise RuntimeError("model down")

    assert len(texts("Where is order 1001? Also, unsubscribe me please.", broken)) == 2


def test_entities_are_those_of_the_span():
    spans = split_requests("Where is order 1001? Also please cancel order 1041.")
    assert [extract(s.text).order_numbers for s in spans] == [("1001",), ("1041",)]


@pytest.mark.parametrize("text", [None, 42, b"\xff\xfe order 1001?", "and can you " * 3000, ". " * 10000,
                                  "Hi,\n\n" * 4000, "\u200b" * 100, "order\x00 1001?"])
def test_odd_and_hostile_input(text):
    spans = split_requests(text, keyword_classify)
    assert all(isinstance(s, RequestSpan) for s in spans) and len(spans) <= 60


def _print(name, mode, result):
    print(f"\n{name} — {mode}:")
    for key, value in result["accuracy"].items():
        print(f"  {key:<20} {value['rate']:.3f} ({value['hits']}/{value['n']})")
    print(f"  over-split {result['over_split']['rate']:.3f}  under-split {result['under_split']['rate']:.3f}")


@pytest.mark.parametrize("mode", ["no classify", "oracle classify"])
def test_dev_set_scores(mode):
    rows = read_jsonl(ROOT / "eval/requests/dev.jsonl")
    classify_for = (lambda row: None) if mode == "no classify" else (lambda row: oracle_classify(row["requests"]))
    result = score_requests(rows, classify_for)
    _print("requests dev", mode, result)
    assert result["accuracy"]["all"]["rate"] >= 0.95


@pytest.mark.parametrize("mode, floor", [("no classify", 0.80), ("oracle classify", 0.88)])
def test_heldout_set_is_reported_not_tuned(mode, floor):
    """Written before the splitter and never tuned against: the floor is the first run's number
    less a margin, to catch regressions, not a target."""
    rows = read_jsonl(ROOT / "eval/requests/heldout.jsonl")
    assert {r["language"] for r in rows} == {"en", "de", "fr", "es"}
    classify_for = (lambda row: None) if mode == "no classify" else (lambda row: oracle_classify(row["requests"]))
    result = score_requests(rows, classify_for)
    _print("requests held-out", mode, result)
    assert result["accuracy"]["all"]["rate"] >= floor


def test_with_the_real_intent_classifier_on_english(default_classifier):
    """The shipped classifier is English-only today; the merge logic must work with it there."""
    def classify(piece):
        c = default_classifier.classify(piece)
        return c.best_guess or c.intent, c.confidence, c.unsure

    rows = [r for r in read_jsonl(ROOT / "eval/requests/dev.jsonl") if r["language"] == "en"]
    result = score_requests(rows, lambda row: classify)
    _print("requests dev (en)", "IntentClassifier", result)
    assert result["accuracy"]["all"]["rate"] >= 0.85
    assert texts("cancel order 1001 and refund me", classify) == ["cancel order 1001 and refund me"]


def test_eval_files_are_well_formed():
    for name in ("dev", "heldout"):
        for row in read_jsonl(ROOT / f"eval/requests/{name}.jsonl"):
            squeezed = " ".join(row["text"].lower().split())
            assert row["requests"] and row["language"] in {"en", "de", "fr", "es"}
            for request in row["requests"]:
                assert " ".join(request["text"].lower().split()) in squeezed
    dev = {r["text"] for r in read_jsonl(ROOT / "eval/requests/dev.jsonl")}
    assert not dev & {r["text"] for r in read_jsonl(ROOT / "eval/requests/heldout.jsonl")}


@pytest.mark.parametrize("text, first, second", [
    ("Cancel 1001 and refund 1016 please.", "Cancel 1001", "refund 1016"),
    ("Cancel order 1001, and can you refund order 1016?", "Cancel order 1001", "refund order 1016"),
])
def test_belonging_actions_on_different_orders_are_two_requests(text, first, second):
    """A cancellation and a refund belong together on one order ("cancel 1001 and refund me");
    on two orders they are two requests, or the second would be dropped or done on the first."""
    [a, b] = texts(text, keyword_classify)
    assert first in a and second in b


def test_the_asking_part_is_the_sentences_that_ask_without_the_story_around_them():
    from hub.understanding.requests import asking_part

    text = ("Hi!\n\nOrder #1201 came on Monday. The tee is perfect but the canvas cap looks like it got caught "
            "on something in the warehouse. Could you refund the $29 for the cap? Thanks, Anjali")
    assert asking_part(text) == "Could you refund the $29 for the cap?"
    assert asking_part("Thanks so much!") == "" and asking_part("") == ""
