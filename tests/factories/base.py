from __future__ import annotations

from typing import Any

import factory

from departments.tenancy import department_context

DEPARTMENT_OWNED_FACTORIES: dict[type, type[factory.django.DjangoModelFactory]] = {}


class DepartmentOwnedFactory(factory.django.DjangoModelFactory):
    """Creates rows inside their department's context, so tests go through the real RLS policy."""

    department = factory.SubFactory("tests.factories.departments.DepartmentFactory")

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = getattr(cls._meta, "model", None)
        if model is not None and not cls._meta.abstract:
            DEPARTMENT_OWNED_FACTORIES[model] = cls

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        with department_context(kwargs["department"].id):
            return super()._create(model_class, *args, **kwargs)
