"""Knowledge sync from connected helpdesks: the real sandboxes, connected through OAuth by
hub.testing's harness, listed through ``Hub.call`` (guard, RBAC, audit) by ``ConnectionSource``.

Article edits happen where an editor would make them: through the vendor's own API where the
sandbox serves writes (ServiceNow's Table API). Zendesk's sandbox serves Help Center read-only
and Salesforce's writes no Knowledge__kav, so there articles are edited in the sandbox's working
data under its lock, as the vendor's own editor would change them.
"""

import logging

import pytest
import yaml
from click.testing import CliRunner

from hub import audit
from hub.knowledge import KnowledgeBase, KnowledgeError, SourceError
from hub.knowledge.cli import kb as kb_command
from hub.knowledge.connections import ConnectionSource, connection_sources
from hub.models import ConnectionStatus

logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def zendesk(hub_harness):
    return hub_harness("zendesk", webhook_retry_delays=(0.05,))


@pytest.fixture(scope="module")
def zendesk_connection(zendesk):
    return zendesk.connect()


@pytest.fixture
def fresh_zendesk(zendesk):
    zendesk.control("POST", "reset")
    yield zendesk
    zendesk.clear_faults()


@pytest.fixture
def store(tmp_path, embeddings):
    return KnowledgeBase.open({"knowledge": {"path": str(tmp_path / "chroma")}}, embeddings=embeddings)


def kb_sync_calls(harness, tool):
    return [e for e in audit.export(harness.hub.engine) if e["actor"] == "kb-sync" and e["data"]["tool"] == tool]


def vendor_api(harness, connection):
    """``send(method, path, **kw)``: a request to the vendor API with the connection's token."""
    token, _ = harness.token(connection)

    def send(method, path, **kwargs):
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        response = harness.http.request(method, connection.api_base_url + path, headers=headers, **kwargs)
        assert response.status_code < 300, response.text
        return response

    return send


# -- Zendesk Help Center ---------------------------------------------------------------------


def test_zendesk_articles_sync_across_pages_and_answers_cite_them(fresh_zendesk, zendesk_connection, store):
    source = ConnectionSource(fresh_zendesk.hub, zendesk_connection, page_size=3)
    result = store.sync(source, progress=False)
    assert (result.added, result.updated, result.deleted, result.skipped) == (10, 0, 0, [])
    assert result.source == f"zendesk:{zendesk_connection.id}"

    # Listed through the guarded tool path, all four pages of three, and audited as kb-sync.
    done = kb_sync_calls(fresh_zendesk, "zendesk.list_articles")[-1]
    assert done["kind"] == "tool.done"
    assert done["data"]["arguments"] == {"page_size": 3, "limit": 1000}
    assert done["data"]["result"]["pages"] == 4

    answer = store.ask("How can I see where my parcel is? Tracking number")
    assert not answer.refused, answer.reason
    title, url = answer.citations[0]
    assert title == "Track your order"
    assert url == f"{fresh_zendesk.server.url}/hc/en-us/articles/4410000001-track-your-order"
    assert "tracking number" in answer.text
    unrelated = store.ask("Which office printer should I pick for the finance team?")
    assert unrelated.refused and unrelated.citations == []


def test_zendesk_edit_and_delete_are_picked_up_by_resync(fresh_zendesk, zendesk_connection, store):
    source = ConnectionSource(fresh_zendesk.hub, zendesk_connection)
    store.sync(source, progress=False)
    sandbox = fresh_zendesk.sandbox
    with sandbox.lock:
        articles = sandbox.data["articles"]
        tracking = next(a for a in articles if a["title"] == "Track your order")
        tracking["body"] = (
            "<p>Every shipped order gets a tracking number by text message. Tracking numbers now "
            "appear on the courier's site within 2 hours.</p>"
        )
        tracking["updated_at"] = "2026-11-20T10:00:00Z"
        removed = articles.pop(-1)

    result = store.sync(source, progress=False)
    assert (result.added, result.updated, result.deleted, result.unchanged) == (0, 1, 1, 8)
    answer = store.ask("When does my tracking number show on the courier's site?")
    assert answer.citations[0][0] == "Track your order" and "within 2 hours" in answer.text
    assert not [h for h in store.search(removed["title"], 20) if h.title == removed["title"]]


@pytest.mark.parametrize("fault, detail", [("server_error", "503"), ("rate_limit", "429")])
def test_zendesk_down_is_a_clear_error_and_keeps_the_index(fresh_zendesk, zendesk_connection, store, fault, detail):
    source = ConnectionSource(fresh_zendesk.hub, zendesk_connection)
    store.sync(source, progress=False)
    before = store.count()
    fresh_zendesk.faults(**{fault: 50})  # more than the harness's 4 attempts
    with pytest.raises(SourceError) as raised:
        store.sync(source, progress=False)
    message = str(raised.value)
    assert message.startswith(f"zendesk is not answering for connection {zendesk_connection.id} (zendesk: ")
    assert detail in message and "left as it was" in message and "\n" not in message
    assert store.count() == before
    assert kb_sync_calls(fresh_zendesk, "zendesk.list_articles")[-1]["kind"] == "tool.failed"
    fresh_zendesk.clear_faults()
    assert store.ask("How can I track my order?").citations[0][0] == "Track your order"


def test_a_listing_cut_short_by_the_tool_is_refused_whole(fresh_zendesk, zendesk_connection, store):
    source = ConnectionSource(fresh_zendesk.hub, zendesk_connection)
    store.sync(source, progress=False)
    before = store.count()
    with fresh_zendesk.sandbox.lock:  # one more than zendesk.list_articles' limit of 1,000
        articles = fresh_zendesk.sandbox.data["articles"]
        articles += [dict(articles[0], id=4430000000 + n, title=f"Extra {n}") for n in range(1001 - len(articles))]
    with pytest.raises(SourceError, match=r"zendesk.list_articles stopped before the last .* \(1000 listed\)"):
        store.sync(source, progress=False)
    assert store.count() == before


def test_unusable_vendor_articles_are_skipped_by_name(fresh_zendesk, zendesk_connection, store):
    with fresh_zendesk.sandbox.lock:
        articles = fresh_zendesk.sandbox.data["articles"]
        template = dict(articles[0])
        articles += [
            dict(template, id=4410000901, title="Empty", body=""),
            dict(template, id=4410000902, title="Binary", body="\x00\x01\x02" * 200),
            dict(template, id=4410000903, title="", body="<p>A body without a title.</p>"),
            dict(template, id=4410000904, title="Pétition für 返品 🙂", body="<p>Rückgabe innerhalb von 30 Tagen.</p>"),
        ]
    result = store.sync(ConnectionSource(fresh_zendesk.hub, zendesk_connection), progress=False)
    assert result.added == 11
    assert dict(result.skipped) == {
        "4410000901": "body is empty",
        "4410000902": "body is binary, not text",
        "4410000903": "no title or URL to cite it by",
    }


def test_revoked_grant_asks_for_a_reconnect_and_keeps_the_index(fresh_zendesk, store):
    connection = fresh_zendesk.connect()
    source = ConnectionSource(fresh_zendesk.hub, connection)
    store.sync(source, progress=False)
    before = store.count()
    token, _ = fresh_zendesk.token(connection)
    fresh_zendesk.control("POST", "tokens/revoke", {"token": token["refresh_token"]})
    with pytest.raises(SourceError, match=rf"connection {connection.id} \(zendesk\) needs reconnecting"):
        store.sync(source, progress=False)
    assert store.count() == before
    assert fresh_zendesk.reload(connection).status == ConnectionStatus.reconnect_needed
    # The same connection read afresh is refused by the guard before any request: same advice.
    stale = ConnectionSource(fresh_zendesk.hub, fresh_zendesk.reload(connection))
    with pytest.raises(SourceError, match="needs reconnecting"):
        store.sync(stale, progress=False)


def test_all_connections_takes_connected_ones_that_keep_articles(zendesk, zendesk_connection):
    broken = zendesk.connect()
    token, _ = zendesk.token(broken)
    zendesk.control("POST", "tokens/revoke", {"token": token["refresh_token"]})
    with pytest.raises(SourceError):
        list(ConnectionSource(zendesk.hub, broken).articles())  # marks it reconnect_needed
    names = [source.name for source in connection_sources(zendesk.hub, all_connections=True)]
    assert f"zendesk:{zendesk_connection.id}" in names and f"zendesk:{broken.id}" not in names
    # Named explicitly, it is synced (and then says to reconnect) rather than silently left out.
    assert [s.name for s in connection_sources(zendesk.hub, [broken.id])] == [f"zendesk:{broken.id}"]
    with pytest.raises(KnowledgeError, match=r"no connection 'nope' \(connections: .*zendesk"):
        connection_sources(zendesk.hub, ["nope"])


# -- the command line -------------------------------------------------------------------------


@pytest.fixture
def config_dir(zendesk, tmp_path):
    """A copy of the harness's configuration (same database) with its own knowledge store."""
    directory = tmp_path / "config"
    directory.mkdir()
    source = zendesk.directory / "config"
    settings = yaml.safe_load((source / "settings.yaml").read_text())
    settings["knowledge"] = {"path": str(tmp_path / "chroma")}
    (directory / "settings.yaml").write_text(yaml.safe_dump(settings))
    (directory / "roles.yaml").write_text((source / "roles.yaml").read_text())
    return directory


def hub_kb(config_dir, *args):
    return CliRunner().invoke(kb_command, ["--config-dir", str(config_dir), *args])


def test_cli_syncs_a_connection_and_answers_from_it(fresh_zendesk, zendesk_connection, config_dir):
    name = f"zendesk:{zendesk_connection.id}"
    synced = hub_kb(config_dir, "sync", "--connection", zendesk_connection.id)
    assert synced.exit_code == 0, synced.output + synced.stderr
    assert f"{name}: 10 added, 0 updated, 0 deleted" in synced.output
    again = hub_kb(config_dir, "sync", "--all-connections")
    assert f"{name}: 0 added, 0 updated, 0 deleted, 10 unchanged" in again.output
    answer = hub_kb(config_dir, "ask", "How do I track my order?")
    assert "- Track your order — http://127.0.0.1:" in answer.output


def test_cli_syncs_configured_connections(fresh_zendesk, zendesk_connection, config_dir):
    path = config_dir / "settings.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["knowledge"]["connections"] = [zendesk_connection.id]
    path.write_text(yaml.safe_dump(settings))
    synced = hub_kb(config_dir, "sync")
    assert f"zendesk:{zendesk_connection.id}: 10 added" in synced.output, synced.stderr


def test_cli_errors_are_one_line(fresh_zendesk, zendesk_connection, config_dir):
    unknown = hub_kb(config_dir, "sync", "--connection", "nope")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip().startswith("Error: no connection 'nope' (connections: ")
    assert len(unknown.stderr.strip().splitlines()) == 1

    fresh_zendesk.faults(server_error=50)
    # The running hub itself may be handed to the command instead of a configuration directory.
    down = CliRunner().invoke(kb_command, ["sync", "--connection", zendesk_connection.id], obj=fresh_zendesk.hub)
    assert down.exit_code == 1
    [line] = down.stderr.strip().splitlines()
    assert line.startswith(f"zendesk:{zendesk_connection.id}: error: zendesk is not answering")


def test_connector_without_articles_is_named(hub_harness):
    shopify = hub_harness("shopify")
    connection = shopify.connect()
    with pytest.raises(KnowledgeError) as raised:
        ConnectionSource(shopify.hub, connection)
    assert str(raised.value) == (
        f"connection {connection.id} is a shopify connection; the shopify connector keeps no help "
        "articles (it registers no shopify.list_articles tool)"
    )
    assert connection_sources(shopify.hub, all_connections=True) == []


# -- ServiceNow kb_knowledge --------------------------------------------------------------------


@pytest.fixture(scope="module")
def servicenow(hub_harness):
    return hub_harness("servicenow")


@pytest.fixture(scope="module")
def servicenow_connection(servicenow):
    return servicenow.connect()


def test_servicenow_articles_sync_update_and_delete(servicenow, servicenow_connection, store):
    servicenow.control("POST", "reset")
    source = ConnectionSource(servicenow.hub, servicenow_connection)
    first = store.sync(source, progress=False)
    assert (first.added, first.skipped) == (4, [])
    answer = store.ask("My VPN keeps dropping every few minutes")
    assert answer.citations[0] == (
        "How to connect to the VPN", f"{servicenow.server.url}/kb_view.do?sysparm_article=KB0010001"
    )
    api = vendor_api(servicenow, servicenow_connection)
    api("PATCH", "api/now/table/kb_knowledge/0b48fd75474321009db4b5b08b9a7103",
        json={"text": "<p>Passwords need at least 16 characters.</p>"})
    api("DELETE", "api/now/table/kb_knowledge/0b48fd75474321009db4b5b08b9a7104")
    second = store.sync(source, progress=False)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 1, 1, 2)


def test_servicenow_down_is_a_clear_error(servicenow, servicenow_connection, store):
    servicenow.control("POST", "reset")
    servicenow.faults(server_error=50)
    try:
        with pytest.raises(SourceError, match="servicenow is not answering .* left as it was"):
            store.sync(ConnectionSource(servicenow.hub, servicenow_connection), progress=False)
    finally:
        servicenow.clear_faults()
    assert store.count() == 0


# -- Salesforce Knowledge ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def salesforce(hub_harness):
    return hub_harness("salesforce")


@pytest.fixture(scope="module")
def salesforce_connection(salesforce):
    return salesforce.connect()


def test_salesforce_knowledge_sync_update_archive_and_outage(salesforce, salesforce_connection, store):
    salesforce.control("POST", "reset")
    source = ConnectionSource(salesforce.hub, salesforce_connection)
    first = store.sync(source, progress=False)
    # The five published English articles: not the French one, not the draft.
    assert (first.added, first.skipped) == (5, [])

    answer = store.ask("I forgot my password, how do I reset it?")
    assert not answer.refused, answer.reason
    assert answer.citations[0] == (
        "How to reset your password",
        f"{salesforce.server.url}/lightning/r/Knowledge__kav/ka05g00000S0001AAB/view",
    )

    # The sandbox org writes no Knowledge__kav through its API; an editor's publish is made in
    # its records directly.
    with salesforce.sandbox.lock:
        articles = salesforce.sandbox.data["records"]["Knowledge__kav"]
        reset = next(a for a in articles if a["Title"] == "How to reset your password")
        reset["Answer__c"] = "<p>Choose <b>Forgot password</b>; the emailed link is valid for 2 hours.</p>"
        archived = next(a for a in articles if a["PublishStatus"] == "Online" and a is not reset
                        and a["Language"] == "en_US")
        archived["PublishStatus"] = "Archived"

    second = store.sync(source, progress=False)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 1, 1, 3)
    assert "valid for 2 hours" in store.ask("How long is the password reset link valid?").text

    before = store.count()
    salesforce.faults(server_error=50)
    try:
        with pytest.raises(SourceError, match="salesforce is not answering"):
            store.sync(source, progress=False)
    finally:
        salesforce.clear_faults()
    assert store.count() == before
