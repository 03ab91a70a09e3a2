"""Database engine and schema migrations (SQLite by default, PostgreSQL by URL)."""

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

MIGRATIONS = str(Path(__file__).parent / "migrations")


def make_engine(url):
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets the web process read while a worker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(engine):
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["engine"] = engine
    return config


@lru_cache(maxsize=None)
def head_revision():
    """The newest migration the code ships; read once, the health check asks often."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config).get_current_head()


def require_current(engine):
    """Stop with one clear line when the schema is missing or behind the code."""
    from alembic.runtime.migration import MigrationContext

    from .errors import HubError

    head = head_revision()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        raise HubError(f"database {where} is at schema {current or 'none'}, "
                          f"the code needs {head}: run `hub db upgrade`")


def upgrade(engine, revision="head"):
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine, revision):
    command.downgrade(alembic_config(engine), revision)


@contextmanager
def session_scope(engine):
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
