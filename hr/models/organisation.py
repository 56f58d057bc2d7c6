"""The department's organisation: units, cost centres, grades and pay ranges."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from departments.models import DepartmentOwnedModel

CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,29}$", "Use letters, digits, '-', '_' or '.' (up to 30)")


class Location(models.TextChoices):
    NATIONAL = "national", "National"
    LONDON = "london", "London"


class TreeNode(DepartmentOwnedModel):
    """A node in a department's tree, with a materialised path for subtree queries.

    ``path`` is the ids from the root, each zero-padded and dot-terminated ("000012.000031."), so
    a subtree is one indexed prefix match. The services keep it right when a node moves.
    """

    code = models.CharField(max_length=30, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=700, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OrganisationUnit(TreeNode):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", "Department"
        DIRECTORATE = "directorate", "Directorate"
        DIVISION = "division", "Division"
        TEAM = "team", "Team"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="hr_orgunit_code_unique_per_department"),
        ]
        indexes = [
            models.Index(fields=["department", "path"], name="hr_orgunit_dept_path",
                         opclasses=["int8_ops", "varchar_pattern_ops"]),
        ]


class CostCentre(TreeNode):
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The budget holder.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="hr_costcentre_code_unique_per_department"),
        ]
        indexes = [
            models.Index(fields=["department", "path"], name="hr_costcentre_dept_path",
                         opclasses=["int8_ops", "varchar_pattern_ops"]),
        ]


class Grade(DepartmentOwnedModel):
    """A grade (AA … SCS3 by default; departments add their own). ``rank`` orders them."""

    code = models.CharField(max_length=20, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["rank", "code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="hr_grade_code_unique_per_department"),
        ]

    def __str__(self) -> str:
        return self.code


class PayRange(DepartmentOwnedModel):
    """The pay range of a grade at a location: full-time annual salary, minimum to maximum."""

    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="pay_ranges")
    location = models.CharField(max_length=20, choices=Location.choices, default=Location.NATIONAL)
    minimum = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    maximum = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "grade", "location"],
                                    name="hr_payrange_one_per_grade_location"),
            models.CheckConstraint(condition=Q(maximum__gte=models.F("minimum")), name="hr_payrange_min_le_max"),
        ]

    def __str__(self) -> str:
        return f"{self.grade} {self.get_location_display()}: £{self.minimum:,} – £{self.maximum:,}"
