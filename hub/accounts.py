"""Operator accounts and API tokens: who may sign in to the web app, and with which role.

Passwords are hashed with Argon2id (argon2-cffi). API tokens are random 256-bit strings shown
once; only their SHA-256 is stored — a fast hash is enough for a secret that long, and lets a
request find its token by an indexed lookup.
"""

import hashlib
import re
import secrets
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel, select

from .db import session_scope
from .errors import HubError
from .clock import utcnow

MIN_PASSWORD_LENGTH = 12
#: The permission that makes an operator an administrator of accounts. The web app never lets
#: the last operator holding it go (hub.web.users passes ``keep_an_admin``).
MANAGE_USERS = "users.manage"
TOKEN_PREFIX = "hub_"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# Verifying against this when the account does not exist costs the same time as a real check,
# so response times do not tell which e-mail addresses have accounts.
_DUMMY_HASH = _hasher.hash("no account has this password")


class AccountError(HubError):
    """A bad e-mail, password, role or an unknown account; the message says which."""


class Operator(SQLModel, table=True):
    """A person who signs in to the web app."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class ApiToken(SQLModel, table=True):
    """A credential for programmatic access, bound to one role."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=40)
    created_by: str = Field(max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


def operator_roles(hub):
    """Roles a person may hold: every configured role except the agent's own."""
    return sorted(name for name in hub.roles.roles if name != "agent")


def _check_role(hub, role):
    if role not in operator_roles(hub):
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(operator_roles(hub))}")


def normalise_email(email):
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise AccountError(f"{email!r} is not an e-mail address")
    return email


def hash_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    return _hasher.hash(password)


def add_operator(hub, email, password, role, actor="system"):
    email = normalise_email(email)
    _check_role(hub, role)
    hashed = hash_password(password)
    with session_scope(hub.engine) as session:
        if session.exec(select(Operator).where(Operator.email == email)).first():
            raise AccountError(f"an account for {email} already exists")
        operator = Operator(email=email, password_hash=hashed, role=role)
        session.add(operator)
    hub.audit("operator.added", {"email": email, "role": role}, actor=actor)
    return operator


def list_operators(hub):
    with session_scope(hub.engine) as session:
        return list(session.exec(select(Operator).order_by(Operator.email)))


def get_operator(hub, operator_id):
    with session_scope(hub.engine) as session:
        return session.get(Operator, operator_id)


def _operator_named(session, email):
    operator = session.exec(select(Operator).where(Operator.email == email)).first()
    if operator is None:
        raise AccountError(f"no account for {email}")
    return operator


def _keep_an_admin(hub, session, leaving):
    """Refuse when ``leaving`` is the last operator whose role may manage users.

    The rows are locked (PostgreSQL: FOR UPDATE; SQLite serialises writers), so two admins
    demoting each other at the same moment cannot both succeed.
    """
    admin_roles = [role for role in operator_roles(hub) if hub.roles.allows(role, MANAGE_USERS)]
    if leaving.role not in admin_roles:
        return
    admins = session.exec(select(Operator).where(Operator.role.in_(admin_roles)).with_for_update()).all()
    if all(admin.id == leaving.id for admin in admins):
        raise AccountError(f"{leaving.email} is the only operator who can manage users; "
                           f"give another operator the admin role first")


def remove_operator(hub, email, actor="system", keep_an_admin=False):
    """Delete an account; its sessions stop working on their next request.

    ``keep_an_admin`` refuses to remove the last admin. The web app always asks for it; the CLI
    does not, being how a hub gets an admin back (``hub user add --role admin``).
    """
    email = normalise_email(email)
    with session_scope(hub.engine) as session:
        operator = _operator_named(session, email)
        if keep_an_admin:
            _keep_an_admin(hub, session, operator)
        session.delete(operator)
    hub.audit("operator.removed", {"email": email}, actor=actor)


def change_role(hub, email, role, actor="system", keep_an_admin=False):
    """Give an operator another role (effective on their next request); the agent's is never given."""
    email = normalise_email(email)
    _check_role(hub, role)
    with session_scope(hub.engine) as session:
        operator = _operator_named(session, email)
        previous = operator.role
        if previous == role:
            return operator
        if keep_an_admin and not hub.roles.allows(role, MANAGE_USERS):
            _keep_an_admin(hub, session, operator)
        operator.role = role
        session.add(operator)
        hub.audit("operator.role_changed", {"email": email, "from": previous, "to": role}, actor=actor,
                  session=session)
    return operator


def set_password(hub, email, password, actor="system"):
    """Replace an operator's password; the sessions signed in with the old one stop working."""
    email = normalise_email(email)
    hashed = hash_password(password)
    with session_scope(hub.engine) as session:
        operator = _operator_named(session, email)
        operator.password_hash = hashed
        session.add(operator)
        hub.audit("operator.password_set", {"email": email}, actor=actor, session=session)
    return operator


def session_stamp(operator):
    """What a web session remembers of the account it signed in to, beside its id.

    It changes when the account is removed and another takes its id (SQLite reuses the highest
    row id) and when its password is set, so sessions from before either stop working.
    """
    created = operator.created_at
    if created.tzinfo is not None:  # PostgreSQL keeps the zone, SQLite stores naive UTC
        created = created.astimezone(timezone.utc).replace(tzinfo=None)
    created = created.isoformat()
    return hashlib.sha256(f"{operator.id}|{created}|{operator.password_hash}".encode()).hexdigest()


def authenticate(hub, email, password):
    """The operator when the password matches, else None (same cost either way)."""
    try:
        email = normalise_email(email)
    except AccountError:
        email = None
    with session_scope(hub.engine) as session:
        operator = session.exec(select(Operator).where(Operator.email == email)).first() if email else None
        try:
            _hasher.verify(operator.password_hash if operator else _DUMMY_HASH, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if operator is None:
            return None
        if _hasher.check_needs_rehash(operator.password_hash):  # parameters were raised since
            operator.password_hash = _hasher.hash(password)
        operator.last_login_at = utcnow()
        session.add(operator)
        return operator


def _token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(hub, name, role, created_by="system"):
    """Return ``(ApiToken, secret)``; the secret is never stored and cannot be shown again."""
    _check_role(hub, role)
    name = (name or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}", name):
        raise AccountError("a token name is 1-80 letters, digits, dots, dashes or underscores")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session_scope(hub.engine) as session:
        if session.exec(select(ApiToken).where(ApiToken.name == name)).first():
            raise AccountError(f"a token named {name!r} already exists")
        token = ApiToken(name=name, token_hash=_token_digest(secret), role=role, created_by=created_by)
        session.add(token)
    hub.audit("api_token.created", {"name": name, "role": role}, actor=created_by)
    return token, secret


def list_tokens(hub):
    with session_scope(hub.engine) as session:
        return list(session.exec(select(ApiToken).order_by(ApiToken.name)))


def revoke_token(hub, name, actor="system"):
    with session_scope(hub.engine) as session:
        token = session.exec(select(ApiToken).where(ApiToken.name == name)).first()
        if token is None:
            raise AccountError(f"no token named {name!r}")
        session.delete(token)
    hub.audit("api_token.revoked", {"name": name}, actor=actor)


def token_for(hub, secret):
    """The ApiToken a bearer secret stands for, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    with session_scope(hub.engine) as session:
        token = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret))).first()
        if token is not None:
            token.last_used_at = utcnow()
            session.add(token)
        return token
