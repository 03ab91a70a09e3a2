import datetime as dt

import pytest

from hub.knowledge import Article, CallableSource, LocalFolderSource, SourceError


def test_local_folder_reads_front_matter_and_html_metadata(kb_folder):
    articles = {a.remote_id: a for a in LocalFolderSource(kb_folder, name="help").articles()}
    returns = articles["returns-policy.md"]
    assert returns.source == "help"
    assert returns.title == "Returns policy"
    assert returns.url == "https://help.brightline.example/articles/returns-policy"
    assert returns.updated_at == dt.datetime(2026, 9, 14, tzinfo=dt.timezone.utc)
    assert not returns.body.startswith("---")
    vpn = articles["vpn-setup.html"]
    assert vpn.title == "Set up the company VPN"
    assert vpn.url == "https://it.brightline.example/kb/KB0010042"
    assert vpn.looks_like_html


def test_local_folder_falls_back_to_heading_filename_and_file_uri(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "no-meta.md").write_text("# Heading title\n\nBody.")
    (tmp_path / "bare_file.md").write_text("Just text.")
    (tmp_path / "notes.txt").write_text("ignored: not an article type")
    articles = {a.remote_id: a for a in LocalFolderSource(tmp_path).articles()}
    assert set(articles) == {"sub/no-meta.md", "bare_file.md"}
    assert articles["sub/no-meta.md"].title == "Heading title"
    assert articles["bare_file.md"].title == "Bare file"
    assert articles["bare_file.md"].url == (tmp_path / "bare_file.md").resolve().as_uri()
    assert articles["bare_file.md"].source == f"local:{tmp_path.name}"


def test_unreadable_front_matter_is_ignored_not_fatal(tmp_path):
    (tmp_path / "bad.md").write_text("---\ntitle: [unclosed\n---\n# Real title\n")
    (article,) = LocalFolderSource(tmp_path).articles()
    assert article.title == "Real title"


def test_missing_folder_is_an_error_not_an_empty_source(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        list(LocalFolderSource(tmp_path / "nope").articles())


def test_callable_source_accepts_connector_dicts_and_articles():
    def fetch():
        return [
            {"id": 42, "title": "Refunds", "url": "https://x.example/42", "body_html": "<p>Hi</p>",
             "updated_at": "2026-01-02T03:04:05Z"},
            Article("someone-else", "7", "Shipping", "https://x.example/7", "# Shipping"),
        ]

    first, second = CallableSource("zendesk", fetch).articles()
    assert (first.source, first.remote_id, first.is_html) == ("zendesk", "42", True)
    assert first.updated_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    # The source owns what it lists, whatever the function claimed.
    assert second.source == "zendesk"


def test_callable_source_failures_are_source_errors():
    def broken():
        raise ConnectionError("vendor down")

    with pytest.raises(SourceError, match="vendor down"):
        list(CallableSource("zendesk", broken).articles())
    with pytest.raises(SourceError, match="malformed"):
        list(CallableSource("zendesk", lambda: [{"title": "no id", "url": "u", "body": "b"}]).articles())
    with pytest.raises(SourceError, match="not an article"):
        list(CallableSource("zendesk", lambda: ["just a string"]).articles())


def test_article_rejects_wrong_types():
    with pytest.raises(TypeError, match="body"):
        Article("s", "1", "t", "u", b"bytes")


def test_callable_source_body_fields_say_which_format():
    items = [
        {"id": 1, "title": "A", "url": "u", "body_markdown": "<p>looks like html</p>"},
        {"id": 2, "title": "B", "url": "u", "body_html": "plain words"},
        {"id": 3, "title": "C", "url": "u", "body": "<p>guessed</p>"},
    ]
    markdown, html, guessed = CallableSource("s", lambda: items).articles()
    assert not markdown.looks_like_html
    assert html.looks_like_html
    assert guessed.looks_like_html
