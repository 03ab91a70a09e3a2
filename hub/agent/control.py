"""How a node ends other than by naming the next one: the run waits or finishes, or a person
takes the ticket. Raised by nodes, caught by the run (hub.agent.engine)."""


class Stop(Exception):
    """Ends the current node with a new run state (waiting, finished)."""

    def __init__(self, state, reason=None):
        super().__init__(reason)
        self.state, self.reason = state, reason


class Escalate(Exception):
    """The request cannot go on by itself: hand it to people, saying why.

    ``code`` is the kind of reason (hub.agent.reasons), for counting; ``reason`` the specifics.
    """

    def __init__(self, reason, suggestion=None, code="flow"):
        super().__init__(reason)
        self.reason, self.suggestion, self.code = reason, suggestion, code


class NextRequest(Exception):
    """The current request is answered; the ticket holds more. ``answer`` is what to tell the
    customer about this one, sent with the others' when the last is done."""

    def __init__(self, answer):
        super().__init__(answer)
        self.answer = answer
