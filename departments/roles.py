"""Roles people hold in a department, and the scopes (permissions) each role grants.

One vocabulary serves people and API tokens: a page or endpoint requires a scope; a person holds
it through a role, a token through its explicit scopes.
"""

from django.db import models


class Role(models.TextChoices):
    HR_ADMIN = "hr_admin", "HR admin"
    HR_OFFICER = "hr_officer", "HR officer"
    PAYROLL_OFFICER = "payroll_officer", "Payroll officer"
    PAYROLL_APPROVER = "payroll_approver", "Payroll approver"
    FINANCE_OFFICER = "finance_officer", "Finance officer"
    MANAGER = "manager", "Line manager"
    EMPLOYEE = "employee", "Employee"
    AUDITOR = "auditor", "Auditor"


class Scope(models.TextChoices):
    DEPARTMENT_READ = "department:read", "See the department's home page and settings"
    MEMBERS_READ = "members:read", "See who has access to the department"
    MEMBERS_MANAGE = "members:manage", "Grant and remove access"
    API_CLIENTS_MANAGE = "api_clients:manage", "Create and revoke API tokens"
    AUDIT_READ = "audit:read", "Read the audit log"
    HR_READ = "hr:read", "Read HR records"
    HR_WRITE = "hr:write", "Change HR records"
    HR_SENSITIVE = "hr:sensitive", "See sensitive personal data (NI number, bank, date of birth, salary, health)"
    PAYROLL_READ = "payroll:read", "Read payroll"
    PAYROLL_SUBMIT = "payroll:submit", "Enter payroll inputs and run payroll"
    PAYROLL_APPROVE = "payroll:approve", "Approve pay runs"
    FINANCE_READ = "finance:read", "Read finance"
    FINANCE_WRITE = "finance:write", "Post journals and manage budgets"
    EXPENSES_APPROVE = "expenses:approve", "Approve expense claims for payment and mark them paid"
    SETTINGS_MANAGE = "settings:manage", "Change the department's settings (leave types, working patterns, …)"
    TEAM_READ = "team:read", "See the people the user manages"
    SELF_SERVICE = "self:service", "See and update one's own record"


S = Scope
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.HR_ADMIN: frozenset({S.DEPARTMENT_READ, S.MEMBERS_READ, S.MEMBERS_MANAGE, S.API_CLIENTS_MANAGE,
                              S.AUDIT_READ, S.HR_READ, S.HR_WRITE, S.HR_SENSITIVE, S.SETTINGS_MANAGE, S.SELF_SERVICE}),
    Role.HR_OFFICER: frozenset({S.DEPARTMENT_READ, S.MEMBERS_READ, S.HR_READ, S.HR_WRITE, S.HR_SENSITIVE,
                                S.SELF_SERVICE}),
    Role.PAYROLL_OFFICER: frozenset({S.DEPARTMENT_READ, S.HR_READ, S.HR_SENSITIVE, S.PAYROLL_READ, S.PAYROLL_SUBMIT,
                                     S.SELF_SERVICE}),
    Role.PAYROLL_APPROVER: frozenset({S.DEPARTMENT_READ, S.HR_READ, S.HR_SENSITIVE, S.PAYROLL_READ,
                                      S.PAYROLL_APPROVE, S.SELF_SERVICE}),
    Role.FINANCE_OFFICER: frozenset({S.DEPARTMENT_READ, S.FINANCE_READ, S.FINANCE_WRITE, S.EXPENSES_APPROVE,
                                     S.SELF_SERVICE}),
    Role.MANAGER: frozenset({S.DEPARTMENT_READ, S.TEAM_READ, S.SELF_SERVICE}),
    Role.EMPLOYEE: frozenset({S.DEPARTMENT_READ, S.SELF_SERVICE}),
    Role.AUDITOR: frozenset({S.DEPARTMENT_READ, S.MEMBERS_READ, S.AUDIT_READ, S.HR_READ, S.PAYROLL_READ,
                             S.FINANCE_READ}),
}

# Scopes an API token may carry: machine work on department data, never access management.
# payroll:approve lets a token approve and finalise pay runs; four eyes still hold, because the
# payroll services compare the people behind tokens (who created each) as well as the tokens.
TOKEN_SCOPES: frozenset[str] = frozenset({
    S.DEPARTMENT_READ, S.MEMBERS_READ, S.AUDIT_READ, S.HR_READ, S.HR_WRITE, S.HR_SENSITIVE, S.PAYROLL_READ,
    S.PAYROLL_SUBMIT, S.PAYROLL_APPROVE, S.FINANCE_READ, S.FINANCE_WRITE, S.EXPENSES_APPROVE, S.SETTINGS_MANAGE,
})


def scopes_for_roles(roles: set[str] | frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_SCOPES.get(role, frozenset())
    return frozenset(granted)
