"""Revision 0003 creates exactly what hub.accounts declares, and goes down cleanly."""

from sqlalchemy import inspect


def test_operator_tables_match_the_models_and_downgrade(hub):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from hub import accounts
    from hub.db import downgrade, upgrade

    ours = {accounts.Operator.__tablename__, accounts.ApiToken.__tablename__}
    with hub.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in diff if any(f"'{name}'" in repr(d) for name in ours)] == []
    downgrade(hub.engine, "0002")
    assert not ours & set(inspect(hub.engine).get_table_names())
    upgrade(hub.engine)
    assert ours <= set(inspect(hub.engine).get_table_names())
