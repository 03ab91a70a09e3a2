"""Understanding tickets: embeddings, intent classification, entity extraction, optional LLM."""
