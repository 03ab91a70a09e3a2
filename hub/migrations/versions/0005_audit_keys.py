"""audit entries record the key that signed them

Revision ID: 0005
Revises: 0004

Entries from before this revision have no key id: their hashes are the old unkeyed SHA-256,
which `hub audit verify` does not accept until `hub audit rekey` has checked and re-signed them.
"""

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_column('key_id')
