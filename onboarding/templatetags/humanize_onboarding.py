from django import template

register = template.Library()


@register.filter
def thousands(value: object) -> str:
    """12345 as "12,345" (figures in GOV.UK style)."""
    try:
        return f"{int(value):,}"  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
