"""subject_of: whose account, order or record a request is about."""

import json

import pytest

from hub.understanding.reading_eval import ROOT, read_jsonl, score_subjects
from hub.understanding.subject import OTHER, RELATIONS, REQUESTER, UNCLEAR, Subject, subject_of

ADA = "ada@example.com"


@pytest.mark.parametrize(
    "text, relation, name",
    [
        ("Reset the password for my colleague David", "colleague", "David"),
        ("set up our new starter with Slack and Zoom", "new_starter", None),
        ("Bitte setzen Sie das Passwort für meinen Kollegen Jonas zurück.", "colleague", "Jonas"),
        ("Meine Frau kommt nicht mehr in ihr Konto.", "partner", None),
        ("Pouvez-vous réinitialiser le mot de passe de ma collègue Claire ?", "colleague", "Claire"),
        ("J'écris au nom de mon père, qui n'arrive plus à se connecter.", "parent", None),
        ("¿Pueden restablecer la contraseña de mi compañero Diego?", "colleague", "Diego"),
        ("Escribo en nombre de mi hijo, no puede entrar.", "child", None),
        ("my wife's order hasn't arrived, can you check?", "partner", None),
        ("I'm the line manager for Kevin Doyle, he needs Adobe Acrobat.", "report", "Kevin Doyle"),
    ],
)
def test_someone_else_described_by_relation(text, relation, name):
    found = subject_of(text, ADA)
    assert (found.kind, found.relation, found.name) == (OTHER, relation, name)
    assert found.evidence  # the words that decided, for the handoff note


def test_another_persons_email_address_is_the_subject():
    found = subject_of("unsubscribe john@example.org from the newsletter", ADA)
    assert (found.kind, found.email) == (OTHER, "john@example.org")


@pytest.mark.parametrize(
    "text",
    [
        "Where is my order 1001?",
        "I bought a gift for my mother, can I return it?",          # the order is the buyer's
        "Ich habe meinem Sohn ein Handy gekauft, das Display ist kaputt.",
        "J'ai offert une tablette à mon fils, l'écran est fissuré.",
        "Compré un regalo para mi madre y llegó roto.",
        "my manager told me to ask for Jira",                       # instructs, is not the subject
        "Mi jefa quiere que solicite acceso a Salesforce.",
        "Our team uses Slack, can I get access too?",
        "Can you cancel order 1001?\n\nBest, Ada",                  # a signature
        "Hi Sarah, can I change the address on order 1001?",        # greets the agent
        "Reset the password for Ada Lovelace please",               # the requester's own name
        "Unsubscribe me please, my email is ada@example.com",       # the requester's own address
        "Mein Sohn hat mit meinem Konto bestellt, kann ich das stornieren?",  # on the requester's account
        "Please send the invoice for order 1026 to books@adacorp.example",    # where a document goes
        "Your email said 'Ihre Bestellung wurde versandt' but nothing came.",
    ],
)
def test_mentions_that_do_not_make_someone_else_the_subject(text):
    assert subject_of(text, ADA, "Ada Lovelace").kind == REQUESTER


@pytest.mark.parametrize(
    "text, email",
    [
        ("Please use my other email address ada.work@corp.example", "ada.work@corp.example"),
        ("Mein Passwort geht nicht, bitte an meine private Adresse: anna.s@gmail.com", "anna.s@gmail.com"),
        ("J'ai deux comptes, je voudrais fermer l'ancien : vieux@mail.example", "vieux@mail.example"),
        ("Cambien el correo de mi cuenta a lucia.p@nuevo.example", "lucia.p@nuevo.example"),
    ],
)
def test_an_alternate_address_of_the_requester_is_unclear(text, email):
    """It cannot be checked to be theirs: nothing may act on it until a person has."""
    assert subject_of(text, ADA) == Subject(UNCLEAR, email=email, evidence=subject_of(text, ADA).evidence)


def test_spanish_su_alone_is_unclear():
    # "su cuenta" is his, her, their and the formal "your" at once
    assert subject_of("¿Pueden revisar su cuenta? No entra.", ADA).kind == UNCLEAR


@pytest.mark.parametrize("text", ["", "   ", None, b"\xff\xfe", 12345, "👍" * 500])
def test_odd_input_never_raises_and_reads_as_requester(text):
    assert subject_of(text).kind == REQUESTER


def test_hostile_input_is_bounded():
    text = ("my colleague " * 5000) + "David needs Slack"
    assert subject_of(text, ADA).kind in {OTHER, REQUESTER, UNCLEAR}  # answers, on a cut text


def test_relations_are_a_closed_set():
    for row in read_jsonl(ROOT / "eval/subject/dev.jsonl"):
        found = subject_of(row["text"], row["requester_email"], row.get("requester_name"))
        assert found.relation is None or found.relation in RELATIONS
        assert json.dumps(found.to_dict())


def _print(name, result):
    print(f"\n{name}:")
    for key, value in result["accuracy"].items():
        print(f"  {key:<20} {value['rate']:.3f} ({value['hits']}/{value['n']})")
    print(f"  missed {result['missed']['rate']:.3f}  false alarm {result['false_alarm']['rate']:.3f}")


def test_dev_set_scores():
    """Dev is what the rules were written against; it must stay (nearly) all right."""
    result = score_subjects(read_jsonl(ROOT / "eval/subject/dev.jsonl"))
    _print("subject dev", result)
    assert result["accuracy"]["all"]["rate"] >= 0.97
    assert result["missed"]["rate"] <= 0.02


def test_heldout_set_is_reported_not_tuned():
    """Held-out tickets were written before the rules and never tuned against. The floor is
    the first run's number less a margin: it catches a regression, it is not a target."""
    rows = read_jsonl(ROOT / "eval/subject/heldout.jsonl")
    assert {r["language"] for r in rows} == {"en", "de", "fr", "es"}
    result = score_subjects(rows)
    _print("subject held-out", result)
    assert result["accuracy"]["all"]["rate"] >= 0.92
    assert result["missed"]["rate"] <= 0.08


def test_eval_files_are_well_formed():
    for name in ("dev", "heldout"):
        rows = read_jsonl(ROOT / f"eval/subject/{name}.jsonl")
        for row in rows:
            assert row["kind"] in {REQUESTER, OTHER, UNCLEAR}
            assert row["relation"] is None or row["relation"] in RELATIONS
            assert row["language"] in {"en", "de", "fr", "es"}
            if row["kind"] == REQUESTER:
                assert row["name"] is row["email"] is row["relation"] is None
    dev = {r["text"] for r in read_jsonl(ROOT / "eval/subject/dev.jsonl")}
    assert not dev & {r["text"] for r in read_jsonl(ROOT / "eval/subject/heldout.jsonl")}


@pytest.mark.parametrize("text, relation", [
    # The person as the object of the verb, as German, French and Spanish put it.
    ("Bitte melden Sie meinen Mann vom Newsletter ab.", "partner"),
    ("Désabonnez mon mari de la newsletter, s'il vous plaît.", "partner"),
    ("Por favor den de baja a mi marido del boletín.", "partner"),
    ("Abonnez ma fille à la newsletter.", "child"),
    ("Bitte stornieren Sie die Bestellung meines Sohnes.", "child"),
    ("Das Passwort meines Mannes bitte zurücksetzen.", "partner"),
])
def test_someone_else_as_the_object_of_the_request(text, relation):
    found = subject_of(text, ADA)
    assert (found.kind, found.relation) == (OTHER, relation)


@pytest.mark.parametrize("text", [
    "Bitte melden Sie mich vom Newsletter ab, meine Frau hat es mir gesagt.",
    "Annulez ma commande 1001, mon mari est d'accord.",
    "Setzen Sie bitte mein Passwort zurück.",
])
def test_a_person_beside_the_requesters_own_request_is_not_its_subject(text):
    assert subject_of(text, ADA).kind == REQUESTER
