"""inbound events are leased by the worker processing them; unsigned pushes need a URL secret

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Plain ADD/DROP COLUMN (SQLite has both since 3.35): batch mode would copy and drop the
# connection table, which other tables' foreign keys refer to.
def event_columns():
    return (
        sa.Column('lease_owner', sa.String(length=64), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('wake_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('error', sa.Text(), nullable=True),
    )


def upgrade():
    for column in event_columns():
        op.add_column('inboundevent', column)
    op.add_column('connection', sa.Column('hook_token_ciphertext', sa.Text(), nullable=True))
    # Events claimed by the code before leases (state "processing", no lease) are taken over.
    op.execute("UPDATE inboundevent SET state = 'stored' WHERE state = 'processing'")


def downgrade():
    op.drop_column('connection', 'hook_token_ciphertext')
    for column in reversed(event_columns()):
        op.drop_column('inboundevent', column.name)
