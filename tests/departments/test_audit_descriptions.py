"""The audit log in plain English: every action the code writes has words, real services' events read
as a person would say them, and changes show the forms' labels and values."""

from __future__ import annotations

import ast
import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from departments import services
from departments.audit_text import actor_words, change_lines, describe, describe_events, has_description
from departments.models import AuditEvent
from departments.roles import Role
from finance import services as finance_services
from finance.models import ExpenseLine
from payroll import services as payroll_services
from tests.factories.departments import AuditEventFactory, OperatorAssignmentFactory, UserFactory
from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("departments", "hr", "payroll", "finance", "onboarding", "shared_services")
ACTION_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
ACTION_PREFIX = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.\*$")  # from an f-string: "import_job.{status}"


def _strings(node: ast.AST) -> list[str]:
    """String constants in an expression; an f-string gives its literal start followed by ``*``."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            found.append(sub.value)
        elif isinstance(sub, ast.JoinedStr) and sub.values and isinstance(sub.values[0], ast.Constant):
            found.append(f"{sub.values[0].value}*")
    return found


def _is_action(value: str) -> bool:
    return bool(ACTION_CODE.match(value) or ACTION_PREFIX.match(value))


def _module_constants(trees: list[ast.Module]) -> dict[str, list[str]]:
    constants: dict[str, list[str]] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.JoinedStr):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants[target.id] = _strings(node.value)
    return constants


def _action_positions(tree: ast.Module) -> dict[str, int]:
    """Functions of the module that take an ``action`` parameter, and its position."""
    positions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [arg.arg for arg in node.args.posonlyargs + node.args.args]
            if "action" in names:
                positions[node.name] = names.index("action")
    return positions


def _call_actions(node: ast.Call, positions: dict[str, int], constants: dict[str, list[str]]) -> list[str]:
    values: list[str] = []
    for keyword in node.keywords:
        if keyword.arg == "action":
            values += _strings(keyword.value)
            if isinstance(keyword.value, ast.Name):
                values += constants.get(keyword.value.id, [])
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
    if name in positions and len(node.args) > positions[name]:
        values += _strings(node.args[positions[name]])
    return values


def _written_actions() -> set[str]:
    """Every audit action the source writes: ``action=`` arguments (literals, conditional literals,
    f-strings, and module constants they name), values assigned to a name like ``action`` before
    being passed, and literals passed where a function takes ``action``."""
    trees = [ast.parse(path.read_text(), filename=str(path))
             for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    constants = _module_constants(trees)
    actions: set[str] = set()
    for tree in trees:
        positions = _action_positions(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                    isinstance(target, ast.Name) and "action" in target.id.lower() for target in node.targets):
                actions.update(value for value in _strings(node.value) if _is_action(value))
            elif isinstance(node, ast.Call):
                actions.update(value for value in _call_actions(node, positions, constants) if _is_action(value))
    return actions


def test_every_action_the_code_writes_has_a_description():
    # given every audit action written anywhere in the code
    actions = _written_actions()
    assert {"pay_run.open", "expense_claim.manager_approve", "membership.grant", "rti_submission.fps_build",
            "import_job.*", "family_leave.record"} <= actions  # the walk finds each way actions are written
    # when each is looked up
    missing = sorted(action for action in actions
                     if not has_description(action.replace("*", "any_status") if action.endswith("*") else action))
    # then none is left to the developer's code
    assert missing == [], f"Add these to the app's audit_descriptions.py: {missing}"


def test_opening_a_pay_run_reads_as_a_sentence(moj, in_department):
    # given a payroll officer opens a run
    with in_department(moj):
        schedule = payroll_services.pay_schedule_create(
            department=moj.department, acting_user=None, name="Monthly", bank_sort_code="202959",
            bank_account_number="63748472", bank_account_name="MOJ PAYROLL")
        run = payroll_services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 12, 10),
                                              acting_user=None)
        payroll_services.pay_run_open(run=run, acting_user=moj.payroll_officer)
        event = AuditEvent.objects.get(action="pay_run.open", object_id=str(run.pk))
        # when
        described = describe_events([event])[0]
    # then
    assert described.description == f"{moj.payroll_officer.full_name} opened the December 2026 pay run"
    assert [str(line) for line in described.changes] == ["Status: Draft → Open: inputs locked"]


def test_approving_an_expense_claim_names_the_claimant_and_the_amount(moj, in_department):
    # given a submitted claim of £84.20 the line manager approves
    setting = build_finance_setting(moj, in_department)
    with in_department(moj):
        claim = finance_services.expense_claim_create(employee=setting.claimant, purpose="Court visit",
                                                      acting_user=moj.employee)
        finance_services.expense_line_add(
            claim=claim, acting_user=moj.employee, category=ExpenseLine.Category.TRAVEL,
            incurred_on=timezone.localdate() - datetime.timedelta(days=3), description="Train, return",
            amount=Decimal("84.20"), vat=Decimal("0"))
        claim = finance_services.expense_claim_submit(claim=claim, acting_user=moj.employee)
        finance_services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)
        event = AuditEvent.objects.get(action="expense_claim.manager_approve")
        # when
        described = describe_events([event])[0]
    # then
    assert described.description == f"{moj.manager.full_name} approved Esme Tester's expense claim of £84.20"
    assert described.changes_text == "Status: Waiting for line manager → Waiting for finance"


def test_granting_a_role_names_the_person_and_the_role(moj, in_department):
    # given the HR admin grants the employee the HR officer role
    with in_department(moj):
        services.role_grant(department=moj.department, email=moj.employee.email, role=Role.HR_OFFICER,
                            reason="Covering the HR team", acting_user=moj.hr_admin)
        event = AuditEvent.objects.get(action="membership.grant", reason="Covering the HR team")
    # when
    text = describe(event)
    # then
    assert text == f"{moj.hr_admin.full_name} gave {moj.employee.full_name} the HR officer role"
    lines = {line.label: line.after for line in change_lines(event)}
    assert lines["Role"] == "HR officer"  # as the form shows it
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", lines["First day"])  # "6 April 2026"


def test_fields_show_their_labels_money_dates_yes_no_and_stay_masked(moj, in_department):
    # given events with a salary change (masked when written), a date, money and a yes/no
    with in_department(moj):
        salary = AuditEventFactory(department=moj.department, action="employment.change", object_type="hr.employee",
                                   object_repr="Grace Lee (P0042)",
                                   changes={"annual_salary": {"before": "••••", "after": "••••"},
                                            "start_date": {"before": None, "after": "2026-04-06"}})
        line = AuditEventFactory(department=moj.department, action="expense_line.add",
                                 object_type="finance.expenseclaim", object_repr="EX000001: Visit",
                                 changes={"amount": {"before": None, "after": "84.2"},
                                          "category": {"before": None, "after": "travel"}})
        sso = AuditEventFactory(department=moj.department, action="sso.provider_enabled",
                                object_type="departments.identityprovider", object_repr="https://idp.example",
                                changes={"is_enabled": {"before": False, "after": True}})
    # when
    salary_lines = [str(item) for item in change_lines(salary)]
    # then
    assert salary_lines == ["Annual salary: •••• → ••••", "Start date: 6 April 2026"]
    assert describe(salary) == "System changed Grace Lee's employment"
    assert [str(item) for item in change_lines(line)] == [
        "Amount: £84.20", "Type of expense: Travel (fares, parking, tolls)"]
    assert describe(line) == (
        "System added £84.20 for travel (fares, parking, tolls) to the expense claim EX000001: Visit")
    assert str(change_lines(sso)[0]) == "Turned on: No → Yes"


def test_the_actor_is_a_name_an_api_client_or_the_system_and_operators_say_so(moj, in_department):
    # given events by a person, an API client, nobody and an operator
    with in_department(moj):
        token, _ = services.api_token_create(department=moj.department, name="Pensions feed", scopes=["hr:read"],
                                             acting_user=None)
        assignment = OperatorAssignmentFactory(user=UserFactory(full_name="Olu Operator"),
                                               department=moj.department, role=Role.PAYROLL_OFFICER)
        person = AuditEventFactory(department=moj.department, actor=moj.hr_admin)
        client = AuditEventFactory(department=moj.department, api_token=token, actor=token.user)
        nobody = AuditEventFactory(department=moj.department)
        by_operator = AuditEventFactory(department=moj.department, actor=assignment.user,
                                        operator_assignment=assignment)
    # then
    assert actor_words(person) == moj.hr_admin.full_name
    assert actor_words(client) == "API client Pensions feed"
    assert actor_words(nobody) == "System"
    assert actor_words(by_operator) == "Olu Operator (as a shared-services operator)"


def test_an_action_nobody_described_reads_as_words_not_code(moj, in_department):
    # given an action no vocabulary knows
    with in_department(moj):
        event = AuditEventFactory(department=moj.department, action="widget_stock.bulk_adjust", actor=moj.hr_admin,
                                  object_repr="Blue widgets (Active)")
    # when
    text = describe(event)
    # then
    assert text == f"{moj.hr_admin.full_name}: widget stock: bulk adjust (Blue widgets)"


def test_references_show_names_not_ids(moj, in_department):
    # given an employee hired with a grade, a cost centre and a line manager
    setting = build_finance_setting(moj, in_department)
    with in_department(moj):
        event = AuditEvent.objects.get(action="employee.hire", object_id=str(setting.claimant.pk))
        # when
        described = describe_events([event])[0]
    # then
    lines = {line.label: line.after for line in described.changes}
    assert described.description == "System added Esme Tester as a new employee"
    assert lines["Line manager"] == "Manon Tester"
    assert lines["Cost centre"].startswith("C110")
    assert lines["Grade"].startswith("EO")
    assert lines["Annual salary"] == "••••"
