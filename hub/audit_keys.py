"""The keys the audit log is signed with, kept outside the database.

``HUB_AUDIT_KEYS`` holds a comma-separated list of secrets, newest first; otherwise a key file
in the data directory is used (created on first start with mode 0600, one key a line, newest
first). New entries and checkpoints are signed with the newest key; each records the id of
the key that signed it, so entries signed before a rotation still verify while their key is
listed. Rotating is: put a new key first, run ``hub audit rekey``, drop the old key.
"""

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from .errors import ConfigError

KEY_FILE_NAME = "audit.keys"
ENV = "HUB_AUDIT_KEYS"
MIN_KEY_LENGTH = 32


def canonical(value) -> bytes:
    """The one byte form of a JSON-able value that is signed and checked."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False).encode()


def key_id(key: bytes) -> str:
    """A short public name for a key; it says which key signed, and reveals nothing of it."""
    return hashlib.sha256(b"helpdesk-hub audit key id\0" + key).hexdigest()[:12]


class AuditKeys:
    def __init__(self, keys: list[bytes], source: str):
        if not keys:
            raise ConfigError(source, None, "no audit signing key configured")
        short = [n for n, key in enumerate(keys, 1) if len(key) < MIN_KEY_LENGTH]
        if short:
            raise ConfigError(source, None, f"audit key {short[0]} is shorter than {MIN_KEY_LENGTH} characters")
        self.source = source
        self._keys = {key_id(key): key for key in keys}
        self.newest_id = key_id(keys[0])

    @classmethod
    def from_settings(cls, settings, env=None) -> "AuditKeys":
        env = os.environ if env is None else env
        if env.get(ENV):
            return cls([k.strip().encode() for k in env[ENV].split(",") if k.strip()], ENV)
        path = Path(settings.data_dir) / KEY_FILE_NAME
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(32) + "\n")
            except FileExistsError:  # another process wrote it first
                pass
        keys = [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]
        return cls(keys, str(path))

    def __contains__(self, kid: str) -> bool:
        return kid in self._keys

    def sign(self, value, kid: str | None = None) -> str:
        """HMAC-SHA256 (hex) of ``value``'s canonical form, under key ``kid`` (default the newest)."""
        return hmac.new(self._keys[kid or self.newest_id], canonical(value), hashlib.sha256).hexdigest()

    def verifies(self, value, kid: str | None, mac: str | None) -> bool:
        """Whether ``mac`` is ``value`` signed by the configured key ``kid``."""
        if kid not in self._keys or not isinstance(mac, str):
            return False
        return hmac.compare_digest(self.sign(value, kid), mac)
