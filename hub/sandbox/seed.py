"""A vendor sandbox's seed: YAML shipped in its package, validated once, restorable on reset.

Every seed has an ``oauth`` section (registered clients and the user who is "signed in" on the
consent page); the rest belongs to the vendor, who may pass a pydantic model to validate it.
"""

import copy
import threading
from pathlib import Path
from typing import Literal

import pydantic
import yaml

from ..errors import ConfigError


class SeedError(ConfigError):
    """The seed file is unreadable or invalid: names the file, the key and the reason."""


class OAuthClientSeed(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    client_id: str
    #: Omitted for a public client, which must then use PKCE.
    client_secret: str | None = None
    name: str = ""
    redirect_uris: list[str] = pydantic.Field(min_length=1)
    scopes: list[str] = pydantic.Field(min_length=1)
    grant_types: list[
        Literal["authorization_code", "refresh_token", "password", "client_credentials"]
    ] = [
        "authorization_code",
        "refresh_token",
    ]


class OAuthUserSeed(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    id: str | int
    name: str
    email: str
    #: For the password grant (pysnow, PySNC): username defaults to the email; no password,
    #: no password grant.
    username: str | None = None
    password: str | None = None


class OAuthSeed(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    clients: list[OAuthClientSeed] = pydantic.Field(min_length=1)
    user: OAuthUserSeed


class Seed:
    """The pristine seed plus the working copy the sandbox mutates (``data``).

    ``lock`` guards ``data``: the sandbox serves requests on several threads.
    """

    def __init__(self, document, source="<seed>"):
        self.source = str(source)
        self._pristine = copy.deepcopy(document)
        self.data = copy.deepcopy(document)
        self.lock = threading.RLock()

    @classmethod
    def load(cls, path, model=None):
        """Read and validate ``path`` (a file path or an importlib.resources Traversable).

        ``model`` is an optional pydantic model class for the whole document; it only
        validates — ``data`` stays the plain dicts and lists read from YAML.
        """
        source = str(path)
        try:
            text = (Path(path) if isinstance(path, str) else path).read_text(encoding="utf-8")
        except OSError as error:
            raise SeedError(source, None, f"cannot read seed: {error.strerror or error}") from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else None
            raise SeedError(
                source, where, f"invalid YAML: {getattr(error, 'problem', error)}"
            ) from None
        if not isinstance(document, dict):
            raise SeedError(source, None, "the seed must be a mapping at the top level")
        if "oauth" not in document:
            raise SeedError(
                source,
                "oauth",
                "missing: every sandbox seed registers its OAuth clients and user here",
            )
        _validate(OAuthSeed, document["oauth"], source, prefix="oauth")
        if model is not None:
            _validate(model, document, source)
        return cls(document, source)

    def reset(self):
        """Restore ``data`` to the seed as loaded (in place, so references stay valid)."""
        with self.lock:
            self.data.clear()
            self.data.update(copy.deepcopy(self._pristine))

    @property
    def oauth(self):
        """The validated ``oauth`` section as models (clients, user)."""
        return OAuthSeed.model_validate(self.data["oauth"])


def _validate(model, value, source, prefix=""):
    try:
        model.model_validate(value)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        key = _dotted(prefix, first["loc"])
        more = error.error_count() - 1
        reason = first["msg"] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        raise SeedError(source, key or None, reason) from None


def _dotted(prefix, loc):
    key = prefix
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key
