from __future__ import annotations

from typing import Any

import factory

from departments.tenancy import department_context


class DepartmentOwnedFactory(factory.django.DjangoModelFactory):
    """Creates rows inside their department's context, so tests go through the real RLS policy."""

    department = factory.SubFactory("tests.factories.departments.DepartmentFactory")

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        with department_context(kwargs["department"].id):
            return super()._create(model_class, *args, **kwargs)


def department_owned_factories() -> dict[type, type[DepartmentOwnedFactory]]:
    """Every concrete DepartmentOwnedFactory, by model (the isolation contract's registry)."""
    found: dict[type, type[DepartmentOwnedFactory]] = {}
    pending = list(DepartmentOwnedFactory.__subclasses__())
    while pending:
        factory_class = pending.pop()
        pending.extend(factory_class.__subclasses__())
        if not factory_class._meta.abstract and factory_class._meta.model is not None:
            found[factory_class._meta.model] = factory_class
    return found
