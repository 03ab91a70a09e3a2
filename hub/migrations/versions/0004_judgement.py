"""why a run was handed over, as a code; the language a ticket is written in

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation', sa.String(length=60), nullable=True))
        batch_op.create_index(batch_op.f('ix_run_escalation'), ['escalation'], unique=False)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_index(op.f('ix_run_escalation'), table_name='run')
    # Plain DROP COLUMN (SQLite has it since 3.35): batch mode would copy ``ticket`` and
    # ``run``, which other tables' foreign keys refer to, and SQLite refuses to drop them.
    op.execute('ALTER TABLE ticket DROP COLUMN language')
    op.execute('ALTER TABLE run DROP COLUMN escalation')
