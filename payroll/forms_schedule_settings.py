"""The form that changes a pay schedule's details; ``pay_schedule_update`` decides what may change."""

from __future__ import annotations

from typing import Any

from payroll.forms import PayScheduleForm
from payroll.models import PaySchedule
from payroll.services.schedules import PAY_SCHEDULE_CHANGEABLE


class PayScheduleDetailsForm(PayScheduleForm):
    """The add form's fields, less which schedule pays everyone else (that follows who is moved
    onto which schedule, on the schedule's own page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["pays_everyone_else"]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["pay_day_of_month"] = data["pay_day_of_month"] or 0
        return {name: data[name] for name in PAY_SCHEDULE_CHANGEABLE}

    @staticmethod
    def initial_for(schedule: PaySchedule) -> dict[str, Any]:
        return {name: getattr(schedule, name) for name in PAY_SCHEDULE_CHANGEABLE}
