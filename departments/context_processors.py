from django.http import HttpRequest

from departments.selectors import departments_reachable_by


def departments(request: HttpRequest) -> dict[str, object]:
    """The department switcher: the departments this person can open, and the one open now."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current_slug = match.kwargs.get("department_slug", "") if match is not None else ""
    return {
        "reachable_departments": list(departments_reachable_by(user=user)),  # type: ignore[arg-type]
        "current_department_slug": current_slug,
    }
