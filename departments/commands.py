"""What the command-line entry points share: the department a `--department SLUG` option names."""

from __future__ import annotations

from django.core.management.base import CommandError

from departments.models import Department


def department_from_option(slug: str) -> Department:
    """The department with ``slug``, or a ``CommandError`` naming the option (a non-zero exit)."""
    department = Department.objects.filter(slug=slug).first()
    if department is None:
        raise CommandError(f"--department: no department with slug '{slug}'.")
    return department
