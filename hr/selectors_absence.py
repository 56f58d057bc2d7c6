"""Reads of absence for pay: the department's occupational pay schemes in effect, family leave and
sickness allowances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hr.absence_schemes import DEFAULT_SCHEMES
from hr.models import AbsencePayScheme

__all__ = ["EffectiveScheme", "absence_pay_schemes"]


@dataclass(frozen=True)
class EffectiveScheme:
    """A scheme as it applies: the department's own, or the default where it has not set one."""

    kind: str
    name: str
    steps: tuple[dict[str, Any], ...]
    rolling_period_days: int | None
    qualifying_service_weeks: int
    is_default: bool


def absence_pay_schemes() -> dict[str, EffectiveScheme]:
    """Every kind of scheme in the current department, by kind (``AbsencePayScheme.Kind``)."""
    schemes = {kind: EffectiveScheme(kind, default["name"], tuple(default["steps"]),
                                     default.get("rolling_period_days"), 0, True)
               for kind, default in DEFAULT_SCHEMES.items()}
    for scheme in AbsencePayScheme.objects.all():
        schemes[scheme.kind] = EffectiveScheme(scheme.kind, scheme.name, tuple(scheme.steps),
                                               scheme.rolling_period_days, scheme.qualifying_service_weeks, False)
    return schemes
