"""Organisation units and cost centres: the department's two trees."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import CostCentre, OrganisationUnit
from hr.models.organisation import TreeNode
from hr.services.common import _validated
from shared_services.accounts.models import User


def _place_in_tree(node: TreeNode, parent: TreeNode | None) -> None:
    """Set ``path`` and ``depth`` from the parent (the node must be saved, to have an id)."""
    if parent is not None and parent.department_id != node.department_id:  # type: ignore[attr-defined]
        raise ValidationError({"parent": "The parent must belong to the same department."})
    if parent is not None and (parent.pk == node.pk or parent.path.startswith(node.path or "\0")):
        raise ValidationError({"parent": "A unit cannot sit inside itself or one of its own sub-units."})
    node.path = (parent.path if parent else "") + f"{node.pk:06d}."
    node.depth = (parent.depth + 1) if parent else 0


def _create_tree_node(model: type[TreeNode], *, department: Department, acting_user: User | None,
                      parent: TreeNode | None, action: str, **fields: Any) -> Any:
    with department_context(department.id):
        if model.objects.filter(code=fields.get("code")).exists():
            raise ValidationError({"code": f"{department.name} already has one with the code {fields.get('code')!r}."})
        node = model(department=department, **{"parent": parent, **fields})
        _validated(node, exclude=["path", "depth"])
        node.save()
        _place_in_tree(node, parent)
        node.save(update_fields=["path", "depth"])
        audit_record(department=department, action=action, acting_user=acting_user, target=node,
                     changes=audit_changes({}, {"code": node.code, "name": node.name,
                                                "parent": parent.code if parent else None}))
        return node


@transaction.atomic
def organisation_unit_create(*, department: Department, code: str, name: str, acting_user: User | None,
                             kind: str = OrganisationUnit.Kind.TEAM,
                             parent: OrganisationUnit | None = None) -> OrganisationUnit:
    unit: OrganisationUnit = _create_tree_node(
        OrganisationUnit, department=department, acting_user=acting_user, parent=parent,
        action="organisation_unit.create", code=code, name=name, kind=kind,
    )
    return unit


@transaction.atomic
def cost_centre_create(*, department: Department, code: str, name: str, acting_user: User | None,
                       parent: CostCentre | None = None, owner: User | None = None) -> CostCentre:
    centre: CostCentre = _create_tree_node(
        CostCentre, department=department, acting_user=acting_user, parent=parent,
        action="cost_centre.create", code=code, name=name, owner=owner,
    )
    return centre
