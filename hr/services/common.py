"""Shared by the HR services: model validation with errors keyed by field, and small value helpers."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model


def _validated(instance: Model, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _values(instance: Model, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
