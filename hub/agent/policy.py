"""config/policy.yaml: how far the agent may go, per intent, and the limits it works within.

Policy is operator configuration. It is read at start-up and never from a ticket: nothing a
customer writes can change a mode, a threshold, a limit or a recipient.
"""

import re
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from ..config import load_yaml, parse_yaml, validate
from ..errors import ConfigError

Modes = Literal["off", "shadow", "approval", "autonomous"]
MODES = get_args(Modes)


def _off_is_a_mode(value):
    # YAML 1.1 reads a bare `off` as false: `mode: off` means the mode, not a boolean.
    return "off" if value is False else value


Mode = Annotated[Modes, BeforeValidator(_off_is_a_mode)]


class IntentPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Mode | None = None
    confidence_threshold: float | None = Field(default=None, ge=0, le=1)


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: Refunds up to this amount (in the order's currency) need no approval.
    refund_auto_max: Decimal = Decimal("50")
    #: Refunds above this are never made by the agent, approved or not.
    refund_max: Decimal = Decimal("500")
    return_window_days: int = Field(default=30, ge=0)
    max_actions_per_run: int = Field(default=6, ge=1)
    max_asks_per_run: int = Field(default=2, ge=0)


class Runs(BaseModel):
    """How runs wait out a vendor that is down, and how long a worker may hold one."""

    model_config = ConfigDict(extra="forbid")
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    max_attempts: int = Field(default=8, ge=1)
    #: A run whose worker died is taken up again once its lease runs out.
    lease_seconds: float = Field(default=120.0, gt=0)
    max_steps: int = Field(default=60, ge=1)


RISKS_FILE = "risks.yaml"
_TRIGGER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Mode = "shadow"
    confidence_threshold: float = Field(default=0.6, ge=0, le=1)
    #: The team a ticket is handed to, per helpdesk connector (group, queue, assignment group).
    escalation_groups: dict[str, str] = Field(default_factory=dict)
    #: Whom each helpdesk connector serves: the shop's customers or the company's employees. A
    #: flow for one audience never acts on a ticket from the other's helpdesk; a helpdesk not
    #: named here serves customers.
    audiences: dict[str, Literal["customers", "employees"]] = Field(default_factory=dict)
    intents: dict[str, IntentPolicy] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    runs: Runs = Field(default_factory=Runs)
    #: Which risk triggers of config/risks.yaml hand a ticket to a person whatever its intent and
    #: mode: ``all`` (the default), or a list of their names.
    risk_triggers: Literal["all"] | list[str] = "all"

    @field_validator("risk_triggers", mode="before")
    @classmethod
    def _trigger_names(cls, value):
        names = value if isinstance(value, list) else None
        if value != "all" and (names is None or not all(isinstance(name, str) and _TRIGGER_NAME.match(name)
                                                        for name in names)):
            raise ValueError("expected `all` or a list of trigger names as config/risks.yaml spells them "
                             f"(legal, press ...), got {value!r}")
        return value

    @classmethod
    def load(cls, path):
        if not path.exists():
            return cls()
        return validate(cls, load_yaml(path), path).checked_against_risks(path)

    @classmethod
    def from_text(cls, text, path):
        """The policy ``text`` would give if it were the file at ``path`` (the same checks as load)."""
        return validate(cls, parse_yaml(text, path), path).checked_against_risks(path)

    def checked_against_risks(self, path):
        """This policy, once every trigger it names is one that config/risks.yaml (beside the
        policy file at ``path``) defines: a misspelt name must not silently switch a trigger off."""
        if self.risk_triggers == "all":
            return self
        seen = set()
        for name in self.risk_triggers:
            if name in seen:
                raise ConfigError(path, "risk_triggers", f"{name!r} is listed twice")
            seen.add(name)
        risks = path.parent / RISKS_FILE
        if risks.exists():
            defined = load_yaml(risks) or {}
            defined = list(defined) if isinstance(defined, dict) else []
            unknown = [name for name in self.risk_triggers if name not in defined]
            if unknown:
                raise ConfigError(path, "risk_triggers", f"unknown trigger {unknown[0]!r} "
                                                         f"({risks} defines: {', '.join(defined)})")
        return self

    def enabled_risk_triggers(self):
        """The trigger names to screen for, or None for all of them (RiskDetector.detect's ``enabled``)."""
        return None if self.risk_triggers == "all" else list(self.risk_triggers)

    def audience_of(self, connector):
        return self.audiences.get(connector, "customers")

    def mode_for(self, intent):
        chosen = self.intents.get(intent)
        return (chosen and chosen.mode) or self.mode

    def threshold_for(self, intent):
        chosen = self.intents.get(intent)
        if chosen and chosen.confidence_threshold is not None:
            return chosen.confidence_threshold
        return self.confidence_threshold

    def facts(self):
        """What flow expressions may read as ``policy`` (amounts stay Decimal: money compares exactly)."""
        return {"limits": self.limits.model_dump()}
