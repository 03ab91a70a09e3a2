"""A request about an action that does not ask for it now: a how-or-whether question, a
condition still to come, a request taken back — in English, German, French and Spanish — and
the plain requests, reasons and politeness that must not be mistaken for them."""

import pytest

from hub.understanding.stance import CONDITIONAL, QUESTION, RETRACTED, REVERSED, stance_of


@pytest.mark.parametrize("text, intent", [
    ("How do I cancel an order?", "cancel_order"),
    ("Could you tell me how I can return the jacket from 1002?", "return_request"),
    ("I'd like to know whether I can get a refund for 1014.", "refund_request"),
    ("What happens if I cancel order 1001 now?", "cancel_order"),
    ("How do I reset my password myself?", "password_reset"),
    ("Is there a way to change my delivery address once it has shipped?", "change_shipping_address"),
    ("Wie kann ich meine Bestellung stornieren?", "cancel_order"),
    ("Können Sie mir sagen, wie ich die Bestellung zurückschicken kann?", "return_request"),
    ("Ich wollte wissen, ob ich mein Geld zurückbekomme, wenn ich die Jacke zurückschicke.", "refund_request"),
    ("Je voudrais savoir si je peux annuler ma commande 1001.", "cancel_order"),
    ("Comment annuler ma commande ?", "cancel_order"),
    ("Comment puis-je réinitialiser mon mot de passe ?", "password_reset"),
    ("¿Cómo puedo cambiar la dirección de envío?", "change_shipping_address"),
    ("Quisiera saber si puedo devolver las botas del pedido 1001.", "return_request"),
    ("¿Qué pasa si cancelo el pedido 1001?", "cancel_order"),
])
def test_asking_how_or_whether_is_a_question(text, intent):
    assert stance_of(text, intent).kind == QUESTION


@pytest.mark.parametrize("text, intent", [
    ("If order 1016 hasn't arrived by Friday, cancel it.", "cancel_order"),
    ("Refund me if the parcel is not here by tomorrow.", "refund_request"),
    ("Falls das Paket bis Freitag nicht da ist, stornieren Sie bitte die Bestellung.", "cancel_order"),
    ("Wenn es morgen nicht kommt, bitte das Geld erstatten.", "refund_request"),
    ("Si le colis n'arrive pas d'ici vendredi, annulez la commande.", "cancel_order"),
    ("Si no llega antes del viernes, cancelen el pedido.", "cancel_order"),
])
def test_an_action_hanging_on_a_time_to_come_is_conditional(text, intent):
    assert stance_of(text, intent).kind == CONDITIONAL


@pytest.mark.parametrize("text, intent, following", [
    ("Cancel order 1001. Actually no, wait, keep it.", "cancel_order", ""),
    ("Please refund 1014.", "refund_request", "Where is 1016? Never mind the refund, it just arrived."),
    ("Reset my password please. Scratch that, I remembered it.", "password_reset", ""),
    ("Bitte stornieren Sie 1001. Ach, doch nicht.", "cancel_order", ""),
    ("Annulez la commande 1001. Finalement non, laissez tomber.", "cancel_order", ""),
    ("Cancelen el pedido 1001. Mejor no, olvídenlo.", "cancel_order", ""),
    ("Please refund order 1026 — or actually just send a replacement cap.", "refund_request", ""),
    ("Erstatten Sie 1026, oder lieber schicken Sie eine neue Mütze.", "refund_request", ""),
    ("Remboursez la commande 1026, ou plutôt envoyez une nouvelle casquette.", "refund_request", ""),
    ("Reembolsen el pedido 1026, o mejor envíen otra gorra.", "refund_request", ""),
])
def test_an_action_taken_back_after_it_was_asked_for_is_retracted(text, intent, following):
    assert stance_of(text, intent, following).kind == RETRACTED


@pytest.mark.parametrize("text, intent", [
    # How people ask: politely, as a question — still a request.
    ("Can I cancel my order 1001?", "cancel_order"),
    ("Could you refund order 1014? It never came.", "refund_request"),
    ("Is it possible to get a refund for 1014?", "refund_request"),
    ("¿Pueden cancelar el pedido 1001? Ya no lo necesito.", "cancel_order"),
    ("Pouvez-vous annuler la commande 1001 ?", "cancel_order"),
    ("Können Sie die Bestellung 1001 stornieren?", "cancel_order"),
    # A condition the agent checks today, and politeness that is no condition.
    ("Cancel order 1001 if it hasn't shipped yet.", "cancel_order"),
    ("If possible, please refund me by Friday.", "refund_request"),
    ("Guten Morgen, falls die Bestellung noch nicht versandt ist, bitte stornieren.", "cancel_order"),
    # Changing one's mind is the reason for the request, before it or after it.
    ("I changed my mind, please cancel 1001.", "cancel_order"),
    ("Please cancel 1001, I have changed my mind.", "cancel_order"),
    ("On second thought, cancel order 1001.", "cancel_order"),
    ("Bitte stornieren Sie 1001, ich habe es mir anders überlegt.", "cancel_order"),
    ("Cancelen el pedido 1001, ya no hace falta.", "cancel_order"),
    # A question beside the request, about something else.
    ("Please cancel 1001. How do I get the money back to my card?", "cancel_order"),
    ("Wie ich schon sagte: bitte stornieren Sie 1001.", "cancel_order"),
])
def test_plain_requests_keep_their_action(text, intent):
    assert stance_of(text, intent) is None


def test_intents_that_do_not_act_have_no_stance():
    assert stance_of("How do I track my order? If it's not here by Friday I'll ask again.", "order_status") is None


@pytest.mark.parametrize("text, intent", [
    ("Please remove my Slack access, I'm leaving next week.", "it_software_access"),
    ("Revoke my Figma licence, I no longer use it.", "it_software_access"),
    ("Bitte entziehen Sie mir den Zugriff auf Jira.", "it_software_access"),
    ("Bitte den Zugang zu Jira sperren.", "it_software_access"),
    ("Retirez mon accès à Figma svp.", "it_software_access"),
    ("Quiten mi acceso a Zoom, ya no lo uso.", "it_software_access"),
    ("Cancel my return for 1027, I'll keep the jackets.", "return_request"),
    ("Bitte die Retoure für 1027 stornieren.", "return_request"),
    ("Annulez mon retour pour 1027.", "return_request"),
    ("Cancelen la devolución del pedido 1027.", "return_request"),
    ("I cancelled order 1031 by mistake, please reinstate it.", "cancel_order"),
    ("Please undo the cancellation of 1031.", "cancel_order"),
    ("Ich habe 1031 versehentlich storniert, bitte rückgängig machen.", "cancel_order"),
    ("J'ai annulé la commande 1031 par erreur.", "cancel_order"),
    ("Cancelé el pedido 1031 por error, ¿pueden restablecerlo?", "cancel_order"),
    ("Restore my deleted account please.", "account_delete"),
])
def test_asking_to_undo_the_action_is_a_reversal(text, intent):
    """Read as their topic, these would grant the access, open the return, cancel again."""
    assert stance_of(text, intent).kind == REVERSED


@pytest.mark.parametrize("text, intent", [
    ("I need access to Figma please.", "it_software_access"),
    ("Ich brauche Zugriff auf Jira.", "it_software_access"),
    ("Please cancel order 1001 and I will return the boots.", "return_request"),
    ("I want to return the boots and cancel the rest.", "return_request"),
    ("Cancel it, I ordered it by mistake.", "cancel_order"),
    ("Versehentlich bestellt, bitte stornieren.", "cancel_order"),
    ("J'ai commandé par erreur, annulez la commande 1001.", "cancel_order"),
])
def test_the_action_itself_is_no_reversal(text, intent):
    assert stance_of(text, intent) is None
