import pytest

from hub.knowledge import Article, CallableSource, KnowledgeConfigError, LocalFolderSource, SourceError


def stored_texts(kb, remote_id):
    found = kb._collection.get(where={"remote_id": remote_id}, include=["documents"])
    return found["documents"]


def test_first_sync_adds_everything_and_second_changes_nothing(open_kb, kb_folder):
    kb = open_kb()
    source = LocalFolderSource(kb_folder, name="help")
    first = kb.sync(source, progress=False)
    assert (first.added, first.updated, first.deleted, first.skipped) == (23, 0, 0, [])
    assert first.chunks_written == kb.count() > 20
    second = kb.sync(source, progress=False)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 23)
    assert second.chunks_written == 0


def test_changed_article_is_reembedded_and_deleted_one_removed(open_kb, kb_folder):
    kb = open_kb()
    source = LocalFolderSource(kb_folder, name="help")
    kb.sync(source, progress=False)
    before = kb.count()
    newsletter_chunks = len(stored_texts(kb, "newsletter.md"))

    refunds = kb_folder / "refund-timelines.md"
    refunds.write_text(refunds.read_text().replace("5-10 working days", "2-3 working days"))
    (kb_folder / "newsletter.md").unlink()

    result = kb.sync(source, progress=False)
    assert (result.added, result.updated, result.deleted, result.unchanged) == (0, 1, 1, 21)
    assert stored_texts(kb, "newsletter.md") == []
    texts = " ".join(stored_texts(kb, "refund-timelines.md"))
    assert "2-3 working days" in texts and "5-10 working days" not in texts
    assert kb.count() == before - newsletter_chunks
    answer = kb.ask("How do I unsubscribe from the newsletter?")
    assert "https://help.brightline.example/articles/newsletter" not in [url for _, url in answer.citations]


def test_new_article_is_added(open_kb, kb_folder):
    kb = open_kb()
    source = LocalFolderSource(kb_folder, name="help")
    kb.sync(source, progress=False)
    (kb_folder / "pets.md").write_text("# Pets in the office\n\nDogs are welcome on Fridays.\n")
    result = kb.sync(source, progress=False)
    assert (result.added, result.unchanged) == (1, 23)
    answer = kb.ask("Can I bring my dog to the office?")
    assert not answer.refused and answer.citations[0][0] == "Pets in the office"


def test_sources_do_not_delete_each_others_articles(open_kb, tmp_path):
    kb = open_kb()
    kb.sync(CallableSource("a", lambda: [Article("a", "1", "VPN", "u1", "Set up the VPN client.")]))
    kb.sync(CallableSource("b", lambda: [Article("b", "1", "Refunds", "u2", "Refunds take five days.")]))
    result = kb.sync(CallableSource("b", lambda: []))
    assert result.deleted == 1
    assert [h.title for h in kb.search("vpn", 5)] == ["VPN"]


def test_failing_source_changes_nothing(open_kb, kb_folder):
    kb = open_kb()
    kb.sync(LocalFolderSource(kb_folder, name="help"), progress=False)
    before = kb.count()

    def half_then_fail():
        yield Article("help", "returns-policy.md", "Returns", "u", "changed")
        raise ConnectionError("timeout while paging")

    with pytest.raises(SourceError, match="timeout while paging"):
        kb.sync(CallableSource("help", half_then_fail))
    with pytest.raises(SourceError):
        kb.sync(LocalFolderSource(kb_folder / "missing", name="help"))
    assert kb.count() == before


def test_interrupted_write_is_repaired_on_next_sync(open_kb, kb_folder):
    kb = open_kb()
    source = LocalFolderSource(kb_folder, name="help")
    kb.sync(source, progress=False)
    complete = len(stored_texts(kb, "returns-policy.md"))
    # Chunk 0 (carrying the hash) is written last; without it the article counts as unfinished.
    kb._collection.delete(where={"$and": [{"remote_id": "returns-policy.md"}, {"chunk_index": 0}]})
    result = kb.sync(source, progress=False)
    assert (result.updated, result.unchanged) == (1, 22)
    assert len(stored_texts(kb, "returns-policy.md")) == complete


def test_write_cut_between_batches_leaves_only_repairable_articles(open_kb, kb_folder, monkeypatch):
    source = LocalFolderSource(kb_folder, name="help")
    reference = open_kb(path=str(kb_folder.parent / "reference"))
    reference.sync(source, progress=False)
    kb = open_kb()
    # Small write batches and a failure on the fourth: a crash in the middle of a group's write.
    monkeypatch.setattr(kb._client, "get_max_batch_size", lambda: 5)
    real_add, calls = kb._collection.add, []

    def add_then_fail(**rows):
        calls.append(len(rows["ids"]))
        if len(calls) == 4:
            raise OSError("disk full")
        return real_add(**rows)

    monkeypatch.setattr(kb._collection, "add", add_then_fail)
    with pytest.raises(OSError):
        kb.sync(source, progress=False)
    monkeypatch.undo()
    complete = {key for key, digest in kb._stored_articles("help").items() if digest}
    assert complete, "the first batches held whole articles"
    for key in complete:  # an article marked complete holds every one of its chunks
        remote_id = key.split("\x1f")[1]
        assert len(stored_texts(kb, remote_id)) == len(stored_texts(reference, remote_id))
    result = kb.sync(source, progress=False)
    assert result.unchanged == len(complete) and result.added + result.updated == 23 - len(complete)
    assert kb.count() == reference.count()


def test_store_persists_across_opens(open_kb, kb_folder):
    source = LocalFolderSource(kb_folder, name="help")
    count = open_kb().sync(source, progress=False).chunks_written
    reopened = open_kb()
    assert reopened.count() == count
    assert reopened.sync(source, progress=False).unchanged == 23


def test_hostile_articles_are_skipped_with_reasons(open_kb, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "empty.md").write_text("")
    (folder / "only-front-matter.md").write_text("---\ntitle: Nothing\n---\n")
    (folder / "binary.md").write_bytes(bytes(range(256)) * 40)
    (folder / "latin1.html").write_bytes("<p>Caf\xe9 cr\xe8me br\xfbl\xe9e</p>".encode("latin-1"))
    (folder / "empty.html").write_text("<html><script>x()</script></html>")
    (folder / "huge.md").write_text("# Huge\n\n" + "All work and no play. " * 5_000)
    (folder / "fine.md").write_text("# Fine\n\nA normal article about returns.")
    kb = open_kb(max_article_chars=50_000)
    result = kb.sync(LocalFolderSource(folder), progress=False)
    reasons = dict(result.skipped)
    assert reasons["empty.md"] == "body is empty"
    assert reasons["only-front-matter.md"] == "body is empty"
    assert reasons["binary.md"] == "body is binary, not text"
    assert reasons["empty.html"] == "body is empty"
    assert reasons["huge.md"].startswith("body longer than knowledge.max_article_chars")
    # A few undecodable bytes in otherwise readable text are kept, not rejected.
    assert "latin1.html" not in reasons
    assert result.added == 2


def test_huge_article_within_limit_is_stored_in_many_chunks(open_kb):
    # Many short sections: hundreds of chunks, but short ones, so embedding stays quick.
    body = "\n\n".join(f"## Part {i}\n\nRule {i} about shipping." for i in range(300))
    kb = open_kb()
    result = kb.sync(CallableSource("big", lambda: [Article("big", "1", "Big", "https://x/big", body)]))
    assert result.added == 1 and result.chunks_written == kb.count() >= 300


def test_duplicate_remote_ids_keep_the_first(open_kb):
    kb = open_kb()
    twice = [Article("s", "1", "First", "u1", "first body"), Article("s", "1", "Second", "u2", "second body")]
    result = kb.sync(CallableSource("s", lambda: twice))
    assert result.added == 1 and result.skipped == [("1", "listed twice; kept the first")]
    assert kb.search("body", 1)[0].title == "First"


def test_another_embedding_model_is_refused(open_kb, tmp_path):
    from langchain_core.embeddings import Embeddings

    class Other(Embeddings):
        def embed_documents(self, texts):
            return [[1.0, 0.0] for _ in texts]

        def embed_query(self, text):
            return [1.0, 0.0]

    open_kb().sync(CallableSource("s", lambda: [Article("s", "1", "T", "u", "text")]))
    from hub.knowledge import KnowledgeBase

    with pytest.raises(KnowledgeConfigError, match="holds vectors from .*RememberingEncoder"):
        KnowledgeBase.open({"knowledge": {"path": str(tmp_path / "chroma")}}, embeddings=Other())


def test_reset_empties_the_store(open_kb):
    kb = open_kb()
    kb.sync(CallableSource("s", lambda: [Article("s", "1", "T", "u", "text")]))
    kb.reset()
    assert kb.count() == 0


def test_articles_without_citation_details_are_skipped(open_kb):
    class Mixed:
        name = "mixed"

        def articles(self):
            yield Article("mixed", "1", "", "https://x/1", "No title here.")
            yield Article("mixed", "2", "No URL", " ", "No url here.")
            yield Article("other", "3", "Stray", "https://x/3", "Wrong source.")

    result = open_kb().sync(Mixed())
    assert result.skipped == [
        ("1", "no title or URL to cite it by"),
        ("2", "no title or URL to cite it by"),
        ("3", "filed under another source ('other')"),
    ]
    assert result.added == 0
