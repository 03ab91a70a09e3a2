"""Encryption at rest for OAuth tokens and webhook secrets.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256, from ``cryptography``). ``HUB_SECRET_KEYS``
holds a comma-separated list, newest first; otherwise a key file in the data directory is
used (created on first start with mode 0600). Decryption tries every key, encryption uses the
newest, so rotating is: put a new key first, run ``hub secrets rotate``, drop the old key.
"""

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .errors import ConfigError

KEY_FILE_NAME = "secret.keys"


class SecretBox:
    def __init__(self, keys):
        if not keys:
            raise ConfigError("HUB_SECRET_KEYS", None, "no encryption key configured")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError):
            raise ConfigError("HUB_SECRET_KEYS", None, "each key must be a urlsafe-base64 32-byte Fernet key")

    @classmethod
    def from_settings(cls, settings, env=None):
        env = os.environ if env is None else env
        if env.get("HUB_SECRET_KEYS"):
            return cls([k.strip().encode() for k in env["HUB_SECRET_KEYS"].split(",") if k.strip()])
        path = Path(settings.data_dir) / KEY_FILE_NAME
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
        keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
        if not keys:
            raise ConfigError(path, None, "key file is empty")
        return cls(keys)

    def encrypt(self, value):
        """Encrypt a JSON-able value into an ASCII string."""
        return self._fernet.encrypt(json.dumps(value).encode()).decode("ascii")

    def decrypt(self, ciphertext):
        try:
            return json.loads(self._fernet.decrypt(ciphertext.encode("ascii")))
        except InvalidToken:
            raise ConfigError("HUB_SECRET_KEYS", None, "a stored secret cannot be decrypted with any configured key")

    def rotate(self, ciphertext):
        """Re-encrypt under the newest key."""
        return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
