"""Configuration: YAML files in the config directory, environment overrides, validated at start.

Every file in ``config/`` is YAML. Secrets and URLs can be overridden from the environment
(``HUB_DATABASE_URL`` …). A bad value raises :class:`hub.errors.ConfigError`, whose message is
one line naming the file (or variable), the key and the reason.
"""

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError


def config_dir(path=None):
    """The configuration directory: ``path``, ``$HUB_CONFIG_DIR`` or ``./config``."""
    return Path(path or os.environ.get("HUB_CONFIG_DIR") or "config")


def load_yaml(path):
    """Parse one YAML file into Python objects, or raise ConfigError with the line at fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, None, f"cannot read: {error}")
    return parse_yaml(text, path)


def parse_yaml(text, path):
    """Parse YAML ``text`` as the file at ``path``, or raise ConfigError with the line at fault."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(path, where, f"invalid YAML: {problem}")


def validate(model, data, source):
    """Validate ``data`` against a pydantic ``model``; the first error becomes a ConfigError."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, None, f"expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or None
        raise ConfigError(source, key, first["msg"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpSettings(Strict):
    timeout: float = Field(20.0, gt=0, le=300)
    max_attempts: int = Field(5, ge=1, le=20)
    #: Upper bound on one wait between attempts, whatever the vendor's Retry-After says.
    max_wait: float = Field(30.0, ge=0, le=3600)
    backoff_base: float = Field(0.5, ge=0, le=60)


class WebhookSettings(Strict):
    max_body_bytes: int = Field(1_048_576, ge=1024)
    #: Signed requests older (or further in the future) than this are refused as replays.
    max_age_seconds: int = Field(300, ge=10, le=86_400)


class EventSettings(Strict):
    """How the hub works through stored events (hub.inbound)."""

    #: A worker holds an event this long per step; a worker killed holding it is replaced after.
    claim_seconds: int = Field(120, ge=1, le=3600)
    #: Workers that die on one event this many times mark it failed instead of trying again.
    max_attempts: int = Field(10, ge=1, le=1000)
    #: A ticket-created event this old without a run is reported lost (metric and /-/health).
    lost_after_seconds: int = Field(900, ge=1, le=7 * 86_400)


class WebSettings(Strict):
    """Operator sign-in: session lifetime and the login rate limits (counted in Redis)."""

    session_hours: float = Field(12, gt=0, le=24 * 30)
    #: Failed sign-ins allowed per account, and per client address, within the window.
    login_failures_per_account: int = Field(5, ge=1, le=1000)
    login_failures_per_ip: int = Field(20, ge=1, le=10_000)
    login_window_seconds: int = Field(900, ge=10, le=86_400)
    #: Connections whose access token expires within this many seconds are refreshed early.
    refresh_ahead_seconds: int = Field(300, ge=0, le=86_400)


class AuditSettings(Strict):
    """Where and how often the audit chain's head is checkpointed outside the database."""

    #: Default <data_dir>/audit.anchor. Put it where whoever can write the database cannot:
    #: another volume or host, or a file made append-only (chattr +a).
    anchor_path: Path | None = None
    #: A checkpoint after every this many entries, and of the head every this many seconds in
    #: `hub serve` and `hub worker`: the newest entries not yet checkpointed are the ones a
    #: database writer could cut unseen.
    checkpoint_every_entries: int = Field(10, ge=1, le=100_000)
    checkpoint_every_seconds: float = Field(5.0, gt=0, le=3600)


class ClientCredentials(Strict):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)


class Settings(Strict):
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue_name: str = Field("hub", pattern=r"^[a-z][a-z0-9_-]*$")
    public_url: str = "http://127.0.0.1:8000"
    #: In sandbox mode connections may point at loopback sandboxes; never in production.
    sandbox_mode: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: json: one object a line with run, ticket and event ids (hub.logs); text: for a terminal.
    log_format: Literal["json", "text"] = "json"
    http: HttpSettings = HttpSettings()
    webhooks: WebhookSettings = WebhookSettings()
    events: EventSettings = EventSettings()
    web: WebSettings = WebSettings()
    audit: AuditSettings = AuditSettings()
    #: OAuth client registered at each vendor, by connector name.
    connectors: dict[str, ClientCredentials] = {}
    #: Sections owned by other modules, validated there.
    embeddings: dict = {"provider": "use"}
    knowledge: dict = {}
    llm: dict | None = None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value):
        if value and "://" not in value:
            raise ValueError("must be a SQLAlchemy URL such as sqlite:///var/hub.db or postgresql+psycopg://…")
        if not value:
            return value
        scheme, _, rest = value.partition("://")
        if scheme in ("postgres", "postgresql"):
            # The hub ships psycopg (3); SQLAlchemy reads a bare postgresql:// as psycopg2 and
            # does not know postgres:// (the form many hosting providers hand out) at all.
            return f"postgresql+psycopg://{rest}"
        if scheme.split("+")[0] not in ("sqlite", "postgresql"):
            raise ValueError(f"{scheme}:// is not supported: the hub runs on SQLite (sqlite:///path/hub.db) "
                             "or PostgreSQL (postgresql+psycopg://user:password@host/db)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value):
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value):
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @property
    def resolved_database_url(self):
        return self.database_url or f"sqlite:///{self.data_dir / 'hub.db'}"


# Environment variable -> dotted settings key. Secrets and URLs only: behaviour lives in files.
ENV_OVERRIDES = {
    "HUB_DATA_DIR": "data_dir",
    "HUB_DATABASE_URL": "database_url",
    "HUB_REDIS_URL": "redis_url",
    "HUB_PUBLIC_URL": "public_url",
    "HUB_SANDBOX_MODE": "sandbox_mode",
}


def _apply_env(data, env):
    applied = {}
    for variable, key in ENV_OVERRIDES.items():
        if env.get(variable):
            data[key] = env[variable]
            applied[key] = variable
    # HUB_<CONNECTOR>_CLIENT_ID / HUB_<CONNECTOR>_CLIENT_SECRET
    connectors = data.setdefault("connectors", {}) or {}
    data["connectors"] = connectors
    for variable, value in env.items():
        for suffix, field in (("_CLIENT_ID", "client_id"), ("_CLIENT_SECRET", "client_secret")):
            if variable.startswith("HUB_") and variable.endswith(suffix) and value:
                name = variable[4:-len(suffix)].lower()
                entry = connectors.setdefault(name, {}) or {}
                connectors[name] = entry
                entry[field] = value
                applied[f"connectors.{name}.{field}"] = variable
    return applied


def load_settings(directory=None, env=None):
    """Read ``settings.yaml`` from the config directory, apply the environment, validate."""
    env = os.environ if env is None else env
    path = config_dir(directory) / "settings.yaml"
    data = load_yaml(path) if path.exists() else {}
    if data is not None and not isinstance(data, dict):
        raise ConfigError(path, None, f"expected a mapping at the top level, got {type(data).__name__}")
    data = dict(data or {})
    applied = _apply_env(data, env)
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        source = applied.get(key) or next(
            (var for k, var in applied.items() if key.startswith(k + ".")), path
        )
        raise ConfigError(source, key, first["msg"])
