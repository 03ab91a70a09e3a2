"""A LangChain chat model that answers from a script, for the optional-LLM tests (offline)."""

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage


class ScriptedIntentModel(FakeMessagesListChatModel):
    """Always names ``intent`` through the structured-output tool call."""

    intent: str = "out_of_scope"
    responses: list = []

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.responses = [AIMessage(content="", tool_calls=[
            {"name": "TicketIntent", "args": {"intent": self.intent}, "id": "call-1"}])]
        self.i = 0
        return super()._generate(messages, stop, run_manager, **kwargs)


class ScriptedDraftModel(FakeMessagesListChatModel):
    """Answers a reply draft with ``body`` citing ``cites`` (ids of the articles it was given)."""

    body: str = "Here is what our article says."
    cites: list = []
    responses: list = []

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.responses = [AIMessage(content="", tool_calls=[
            {"name": "DraftReply", "args": {"body": self.body, "cited_articles": self.cites}, "id": "call-1"}])]
        self.i = 0
        return super()._generate(messages, stop, run_manager, **kwargs)
