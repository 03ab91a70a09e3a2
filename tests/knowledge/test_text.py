from hub.knowledge.text import Chunker, html_to_markdown, looks_binary


def test_html_loses_scripts_styles_and_link_targets_but_keeps_headings():
    markdown = html_to_markdown(
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<h1>Top</h1><p>Read <a href='https://evil.example'>this</a>.</p>"
        "<script>steal()</script><h2>Part</h2><ul><li>one</li></ul></body></html>"
    )
    assert "steal" not in markdown and "color" not in markdown and "evil.example" not in markdown
    assert "# Top" in markdown and "## Part" in markdown and "- one" in markdown
    assert "Read this." in markdown


def test_chunks_keep_their_section_and_embed_with_title():
    chunker = Chunker(chunk_size=200, chunk_overlap=20)
    chunks = chunker.split(
        "Returns policy",
        "# Returns policy\n\nThirty days.\n\n## Exceptions\n\nGift cards.\n\n### Digital\n\nKeys.\n",
    )
    assert [(c.section, c.text) for c in chunks] == [
        ("", "Thirty days."),
        ("Exceptions", "Gift cards."),
        ("Exceptions > Digital", "Keys."),
    ]
    assert chunks[2].embed_text == "Returns policy\nExceptions > Digital\nKeys."


def test_long_sections_are_split_by_size():
    chunks = Chunker(chunk_size=100, chunk_overlap=10).split("T", "word " * 200)
    assert len(chunks) > 5 and all(len(c.text) <= 100 for c in chunks)


def test_binary_detection():
    assert looks_binary("abc\x00def")
    assert looks_binary("\ufffd\ufffd\x01" * 50 + "text")
    assert not looks_binary("Plain text with ünïcödé, emoji 🎉 and\ttabs\nand lines.")
    assert not looks_binary("")
