"""onboarding's audit actions and fields in plain English (read through ``departments.audit_text``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Said = Any  # ``departments.audit_text.Said``

DESCRIPTIONS: dict[str, str | Callable[[Said], str]] = {
    "import_mapping.save": "{actor} saved the import column mapping {object}",
    "import_job.create": "{actor} started an import: {object}",
    # Written as the job moves on, by its status ("import_job.completed", "import_job.failed").
    "import_job.*": "{actor}'s import finished: {object_repr}",
    "parallel_run.start": "{actor} started a parallel run: {object}",
    "parallel_run.calculate": "{actor} calculated the parallel run {object}",
    "parallel_run.compare": "{actor} compared the parallel run {object} with the legacy payroll",
    "parallel_run.explain": "{actor} explained {after_count} differences in the parallel run {object}",
    "parallel_run.fail": "The parallel run {object} failed",
    "parallel_run.sign_off": "{actor} signed off the parallel run {object} as {after_role}",
    "parallel_run.sign_off_withdraw": "{actor} withdrew their sign-off of the parallel run {object}",
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "*": {"file": "File", "dry_run": "Dry run", "columns": "Columns", "compared": "Employees compared",
          "matched": "Matched", "differences": "Differences", "count": "Differences explained", "note": "Note",
          "accepted": "Accepted", "period": "Pay period"},
}

FIELD_KINDS: dict[str, dict[str, str]] = {
    "*": {"dry_run": "yes_no", "accepted": "yes_no"},
}
