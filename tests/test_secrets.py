"""Tokens are encrypted at rest, and keys can be rotated."""

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from hub.errors import ConfigError
from hub.secrets import SecretBox


def test_tokens_are_stored_encrypted(toy):
    token_in_clear = toy.box.decrypt(toy.toy_connection.token_ciphertext)["access_token"]
    with toy.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_ciphertext FROM connection")).scalar()
    assert token_in_clear not in stored and stored.startswith("gAAAAA")  # a Fernet token


def test_key_file_is_created_private(hub):
    path = hub.settings.data_dir / "secret.keys"
    hub.box.encrypt("x")
    assert path.stat().st_mode & 0o777 == 0o600


def test_rotation_keeps_old_secrets_readable():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    ciphertext = SecretBox([old]).encrypt({"access_token": "t"})
    rotated_box = SecretBox([new, old])
    assert rotated_box.decrypt(ciphertext) == {"access_token": "t"}
    rotated = rotated_box.rotate(ciphertext)
    assert SecretBox([new]).decrypt(rotated) == {"access_token": "t"}
    with pytest.raises(ConfigError, match="cannot be decrypted with any configured key"):
        SecretBox([new]).decrypt(ciphertext)


def test_bad_key_is_a_config_error():
    with pytest.raises(ConfigError, match="HUB_SECRET_KEYS: each key must be"):
        SecretBox([b"not-a-key"])
