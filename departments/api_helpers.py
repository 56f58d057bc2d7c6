"""Plumbing every app's API shares: who is calling, service errors as 400s, paging, one address
for several operations, and deprecated aliases of moved routes.

Kept apart from ``api_base`` so that the department wall stays one concern in one module. Like
the rest of ``departments``, it depends on Django, DRF and ``shared_services`` only, so every app
above may use it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from departments.api_base import DepartmentScopedApi
from shared_services.accounts.models import User

DEPRECATED_OPERATION_SUFFIX = "_deprecated"


def caller(request: Request) -> User:
    """The signed-in person, or the service user of the API client whose token was sent."""
    return cast(User, request.user)


@contextmanager
def service_errors(*, nest_under: str = "", nested_fields: frozenset[str] = frozenset(),
                   rename: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a service's Django ``ValidationError`` into a DRF one (a 400 listing each field).

    Field names are kept; ``__all__`` becomes ``non_field_errors``. Errors on ``nested_fields``
    go under ``nest_under``, so they point at the part of the request body they came from.
    """
    try:
        yield
    except DjangoValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        detail: dict[str, Any] = {}
        for field, field_messages in messages.items():
            if field == "__all__":
                detail.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).extend(field_messages)
            elif field in nested_fields:
                detail.setdefault(nest_under, {})[field] = field_messages
            else:
                detail[(rename or {}).get(field, field)] = field_messages
        raise exceptions.ValidationError(detail) from error


def paginated(request: Request, view: DepartmentScopedApi, rows: Any,
              serializer: type[serializers.Serializer]) -> Response:
    """One page of ``rows`` (``limit`` and ``offset``), with the count and links to the neighbours."""
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def page_of(name: str, serializer: serializers.Serializer) -> Any:
    """The schema of what ``paginated`` answers, as a component called ``name``."""
    return inline_serializer(name, fields={
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": serializer,
    })


def routed_by_method(*operations: type[DepartmentScopedApi]) -> type[DepartmentScopedApi]:
    """One address for several one-operation APIs (a GET list and a POST create share a URL).

    Each operation keeps its own class, serializers and scope; the combination only routes by
    HTTP method. Operations may not both handle a method or share a nested class name, because
    the combination would silently pick one of them.
    """
    scopes: dict[str, str] = {}
    names: set[str] = set()
    for operation in operations:
        if set(operation.required_scopes) & set(scopes):
            raise TypeError(f"{operation.__name__} handles a method another operation at this address handles.")
        nested = {name for name, value in vars(operation).items() if isinstance(value, type)}
        if nested & names:
            raise TypeError(f"{operation.__name__} reuses nested class names {sorted(nested & names)}.")
        scopes.update(operation.required_scopes)
        names |= nested
    name = "".join(operation.__name__.removesuffix("Api") for operation in operations) + "Api"
    namespace = {"required_scopes": scopes, "__module__": operations[0].__module__}
    return cast(type[DepartmentScopedApi], type(name, operations, namespace))


class DeprecatedAliasSchema(AutoSchema):
    """Documents an operation served at an old address: deprecated, and with its own operation id.

    The suffix keeps the old and the current address from sharing an operation id (a schema
    warning). It is added to the finished operation because drf-spectacular puts a method's
    ``@extend_schema(operation_id=…)`` ahead of this class, so overriding ``get_operation_id``
    would not take effect.
    """

    def is_deprecated(self) -> bool:
        return True

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str,
                      registry: Any) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            operation["operationId"] += DEPRECATED_OPERATION_SUFFIX
        return cast(dict[str, Any] | None, operation)


def deprecated_alias(view: type[DepartmentScopedApi]) -> type[DepartmentScopedApi]:
    """The same operation(s) as ``view``, to serve at an old address that integrators may still call.

    Behaviour is identical; only the schema differs (marked deprecated, operation ids suffixed).
    The name and docstring are kept because DRF shows them (OPTIONS, the schema's descriptions).
    """
    namespace = {"schema": DeprecatedAliasSchema(), "__doc__": view.__doc__, "__module__": view.__module__}
    return cast(type[DepartmentScopedApi], type(view.__name__, (view,), namespace))
