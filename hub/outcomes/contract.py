"""The pay-for-performance contract (``config/contract.yaml``), validated before any money moves.

Every problem — a missing price, a cap below the price, a credit schedule that does not start at
the minimum it enforces — is one ConfigError line naming the file, the key and the reason.
"""

from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from ..config import Strict, config_dir, load_yaml, validate

PRIORITIES = ("urgent", "high", "normal", "low")
FILE_NAME = "contract.yaml"


def _money(value):
    # YAML reads 1.50 as a float; its shortest repr is what the operator wrote, so going through
    # the text keeps it exact. Booleans are ints to Python and never a price.
    if isinstance(value, bool):
        raise ValueError("must be an amount such as \"1.50\"")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount such as \"1.50\"")
    if not amount.is_finite():
        raise ValueError("must be a finite amount")
    if amount < 0:
        raise ValueError("must not be negative")
    if amount.as_tuple().exponent < -4:
        raise ValueError("has more than 4 decimal places")
    return amount


def _rate(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a fraction between 0 and 1, such as 0.7")
    if not 0 <= value <= 1:
        raise ValueError(f"{value} is not between 0 and 1 (write 70% as 0.70)")
    return Decimal(repr(float(value)))


class Targets(Strict):
    urgent: int = Field(gt=0)
    high: int = Field(gt=0)
    normal: int = Field(gt=0)
    low: int = Field(gt=0)

    def minutes(self, priority):
        return getattr(self, priority if priority in PRIORITIES else "normal")


class Sla(Strict):
    first_response_minutes: Targets
    resolution_minutes: Targets
    minimum_compliance: Decimal

    _check_rate = field_validator("minimum_compliance", mode="before")(lambda cls, v: _rate(v))

    @model_validator(mode="after")
    def _resolution_after_response(self):
        for priority in PRIORITIES:
            if self.resolution_minutes.minutes(priority) < self.first_response_minutes.minutes(priority):
                raise ValueError(f"resolution_minutes.{priority} is shorter than first_response_minutes.{priority}")
        return self


class Tier(Strict):
    below: Decimal
    percent: Decimal

    _check_below = field_validator("below", mode="before")(lambda cls, v: _rate(v))

    @field_validator("percent", mode="before")
    @classmethod
    def _percent(cls, value):
        amount = _money(value)
        if not 0 < amount <= 100:
            raise ValueError("must be more than 0 and at most 100")
        return amount


def _schedule(tiers, name):
    """Tiers ordered from the mildest miss to the deepest: ``below`` falling, ``percent`` rising."""
    for mild, deep in zip(tiers, tiers[1:]):
        if deep.below >= mild.below:
            raise ValueError(f"credits.{name}: tiers must be listed with 'below' falling ({mild.below} then {deep.below})")
        if deep.percent <= mild.percent:
            raise ValueError(f"credits.{name}: a deeper miss must earn a bigger credit ({mild.percent}% then {deep.percent}%)")


class Credits(Strict):
    true_resolution_rate: list[Tier] = []
    sla_compliance: list[Tier] = []


class Contract(Strict):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str
    price_per_resolution: Decimal
    monthly_cap: Decimal
    reopen_window_days: int = Field(ge=0, le=90)
    minimum_true_resolution_rate: Decimal
    sla: Sla
    credits: Credits = Credits()

    _check_money = field_validator("price_per_resolution", "monthly_cap", mode="before")(lambda cls, v: _money(v))
    _check_rate = field_validator("minimum_true_resolution_rate", mode="before")(lambda cls, v: _rate(v))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/London")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.price_per_resolution == 0:
            raise ValueError("price_per_resolution is 0: nothing could ever be billed")
        if self.monthly_cap < self.price_per_resolution:
            raise ValueError(f"monthly_cap {self.monthly_cap} is below price_per_resolution {self.price_per_resolution}")
        pairs = (("true_resolution_rate", self.minimum_true_resolution_rate, "minimum_true_resolution_rate"),
                 ("sla_compliance", self.sla.minimum_compliance, "sla.minimum_compliance"))
        total = Decimal(0)
        for name, minimum, minimum_key in pairs:
            tiers = getattr(self.credits, name)
            _schedule(tiers, name)
            if tiers and tiers[0].below != minimum:
                raise ValueError(f"credits.{name} starts below {tiers[0].below} but {minimum_key} is {minimum}: "
                                 "a missed minimum would earn no credit, or a met one would")
            total += tiers[-1].percent if tiers else 0
        if total > 100:
            raise ValueError(f"the deepest credits add up to {total}%, more than the whole bill")
        return self

    @property
    def zone(self):
        return ZoneInfo(self.timezone)


def load_contract(directory=None):
    """The contract from the config directory, or ConfigError naming what is wrong."""
    path = config_dir(directory) / FILE_NAME
    return validate(Contract, load_yaml(path), path)
