"""The form in which a person chooses how they hear about items waiting for their decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

EACH = "each"
DAILY_DIGEST = "daily_digest"


def digest_time() -> str:
    """The hour the daily digest goes, as GOV.UK writes times: 7am, 12pm."""
    hour = settings.NOTIFICATION_DIGEST_HOUR
    return f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"


class NotificationPreferenceForm(forms.Form):
    items_waiting = forms.ChoiceField(
        label="Items waiting for your decision",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you want to hear about items waiting for your decision",
                        "invalid_choice": "Select one e-mail for each item or a daily digest"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items_waiting"].choices = [  # type: ignore[attr-defined]
            (EACH, "One e-mail for each item"),
            (DAILY_DIGEST, f"A daily digest: one e-mail each morning at {digest_time()}")]

    @classmethod
    def for_preference(cls, *, daily_digest: bool) -> NotificationPreferenceForm:
        return cls(initial={"items_waiting": DAILY_DIGEST if daily_digest else EACH})

    @property
    def daily_digest(self) -> bool:
        return bool(self.cleaned_data["items_waiting"] == DAILY_DIGEST)
