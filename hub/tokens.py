"""Per-connection OAuth token storage: encrypted at rest, written atomically.

Vendors rotate refresh tokens: the old one dies the moment a new one is issued. Two workers
refreshing at once must therefore never overwrite a newer token with an older one, so every
write is a compare-and-set on ``Connection.token_version``.
"""

from sqlalchemy import update

from .db import session_scope
from .models import Connection, ConnectionStatus, utcnow


class TokenStore:
    def __init__(self, engine, box, connection_id):
        self.engine, self.box, self.connection_id = engine, box, connection_id

    def load(self):
        """Return ``(token, version)``; token is None when the connection holds none."""
        with session_scope(self.engine) as session:
            connection = session.get(Connection, self.connection_id)
            if connection is None or not connection.token_ciphertext:
                return None, 0 if connection is None else connection.token_version
            return self.box.decrypt(connection.token_ciphertext), connection.token_version

    def save(self, token, expected_version):
        """Store ``token`` if nobody else wrote since ``expected_version``; return the new version or None."""
        with session_scope(self.engine) as session:
            result = session.execute(
                update(Connection)
                .where(Connection.id == self.connection_id, Connection.token_version == expected_version)
                .values(
                    token_ciphertext=self.box.encrypt(dict(token)),
                    token_version=expected_version + 1,
                    updated_at=utcnow(),
                )
            )
            return expected_version + 1 if result.rowcount == 1 else None

    def mark_reconnect_needed(self, reason):
        with session_scope(self.engine) as session:
            session.execute(
                update(Connection)
                .where(Connection.id == self.connection_id)
                .values(status=ConnectionStatus.reconnect_needed, status_reason=reason, updated_at=utcnow())
            )
