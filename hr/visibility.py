"""Who may see which HR fields: the one place these rules live (pages and the API both use it).

Sensitive fields (identity numbers, bank details, date of birth, pay) are shown only to callers
holding the ``hr:sensitive`` scope (HR and payroll officers, not line managers or employees);
everyone else sees them masked. The audit log masks them for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from departments.roles import Scope

SENSITIVE_EMPLOYEE_FIELDS = frozenset({
    "ni_number", "date_of_birth", "bank_sort_code", "bank_account_number", "building_society_roll_number",
})
SENSITIVE_EMPLOYMENT_FIELDS = frozenset({"annual_salary", "pay_range_point"})
MASK = "••••"


def may_see_sensitive(scopes: Iterable[str]) -> bool:
    return Scope.HR_SENSITIVE in set(scopes)


def masked(value: Any) -> Any:
    """A masked value: keeps the last two characters of identifiers, hides the rest."""
    if value in (None, ""):
        return value
    text = str(value)
    return MASK + text[-2:] if len(text) > 4 else MASK


def visible(data: dict[str, Any], *, scopes: Iterable[str], sensitive: frozenset[str]) -> dict[str, Any]:
    """``data`` with the sensitive keys masked unless the scopes allow them."""
    if may_see_sensitive(scopes):
        return data
    return {key: (MASK if key in SENSITIVE_EMPLOYMENT_FIELDS else masked(value)) if key in sensitive else value
            for key, value in data.items()}
