"""The data model and its migrations, on SQLite and on a real PostgreSQL."""

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from hub.audit import AuditLog
from hub.audit_anchor import Anchor
from hub.audit_keys import AuditKeys
from hub.db import downgrade, make_engine, session_scope, upgrade
from hub.models import (Account, Comment, Connection, ConnectionStatus, Contact, InboundEvent, Team, Ticket,
                        TicketPriority, TicketStatus)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    downgrade(engine, "base")  # a clean slate even on a shared PostgreSQL database
    upgrade(engine)
    yield engine
    downgrade(engine, "base")
    engine.dispose()


def test_migrations_match_the_models(engine):
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(SQLModel.metadata.tables)
    for name, table in SQLModel.metadata.tables.items():
        columns = {c["name"] for c in inspect(engine).get_columns(name)}
        assert columns == set(table.columns.keys()), name


def test_normalised_objects_round_trip(engine):
    with session_scope(engine) as session:
        connection = Connection(connector="zendesk", instance="acme", api_base_url="https://acme.zendesk.com",
                                status=ConnectionStatus.connected, granted_scopes=["read", "write"])
        session.add(connection)
        session.flush()
        account = Account(connection_id=connection.id, remote_id="o1", name="Acme", raw={"id": 1})
        session.add(account)
        session.flush()
        contact = Contact(connection_id=connection.id, remote_id="u1", name="Ada", email="ada@example.com",
                          account_id=account.id, raw={"id": "u1", "verified": True})
        team = Team(connection_id=connection.id, remote_id="g1", name="Tier 2")
        session.add_all([contact, team])
        session.flush()
        ticket = Ticket(connection_id=connection.id, remote_id="35436", subject="Où est ma commande ?",
                        description="Order #1001 — ✈️", status=TicketStatus.open, priority=TicketPriority.high,
                        channel="email", requester_id=contact.id, requester_email=contact.email, team_id=team.id,
                        tags=["vip", "order"], raw={"ticket": {"id": 35436, "nested": {"a": [1, 2]}}})
        session.add(ticket)
        session.flush()
        session.add_all([Comment(ticket_id=ticket.id, body="Hello", public=True),
                         Comment(ticket_id=ticket.id, body="internal", public=False)])
    with session_scope(engine) as session:
        ticket = session.exec(select(Ticket)).one()
        assert ticket.status == TicketStatus.open and ticket.priority == TicketPriority.high
        assert ticket.tags == ["vip", "order"]
        assert ticket.raw["ticket"]["nested"] == {"a": [1, 2]}
        assert ticket.subject == "Où est ma commande ?"
        comments = session.exec(select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id)).all()
        assert [(c.body, c.public) for c in comments] == [("Hello", True), ("internal", False)]
        assert session.get(Contact, ticket.requester_id).raw["verified"] is True


def test_vendor_event_ids_are_unique_per_connection(engine):
    with session_scope(engine) as session:
        connection = Connection(connector="shopify", instance="shop", api_base_url="https://shop.myshopify.com")
        session.add(connection)
        session.flush()
        session.add(InboundEvent(connection_id=connection.id, event_id="evt-1", kind="order.updated"))
    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            session.add(InboundEvent(connection_id=connection.id, event_id="evt-1", kind="order.updated"))
    with session_scope(engine) as session:
        assert session.execute(text("SELECT count(*) FROM inboundevent")).scalar() == 1


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            session.add(Ticket(connection_id="no-such-connection", remote_id="1"))


def test_audit_chain_on_each_database(engine, tmp_path):
    keys = AuditKeys([b"an audit key of thirty-two bytes"], "test")
    log = AuditLog(engine, keys, Anchor(tmp_path / "audit.anchor", keys))
    for n in range(3):
        log.append("step", {"n": n, "text": "ünïcode ✓"}, run_id="r1")
    assert log.verify() == []
    with engine.begin() as connection:
        connection.execute(text("UPDATE auditentry SET data = :d WHERE seq = 2"), {"d": '{"n": 99}'})
    assert log.verify() == ["entry 2: content does not match its MAC (edited or forged)"]
