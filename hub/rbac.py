"""Roles and permissions from config/roles.yaml, checked in one place."""

from pydantic import BaseModel, ConfigDict, Field

from .config import load_yaml, validate


class Role(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""
    permissions: list[str] = Field(default_factory=list)


class RolesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: dict[str, Role]


class Roles:
    def __init__(self, roles):
        self.roles = roles

    @classmethod
    def load(cls, path):
        return cls(validate(RolesFile, load_yaml(path), path).roles)

    def allows(self, role, permission):
        granted = self.roles.get(role)
        if granted is None:
            return False
        return "*" in granted.permissions or permission in granted.permissions
