"""The department's occupational absence pay schemes: the defaults apply until HR admins set their own,
steps that do not add up are refused by field with nothing changed, and a reset brings the default back."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from departments.models import AuditEvent
from hr import selectors_absence, services
from hr.models import AbsencePayScheme

pytestmark = pytest.mark.django_db
MATERNITY_STEPS = [{"pay": "full", "weeks": 18}, {"pay": "half", "weeks": 8}, {"pay": "statutory", "weeks": 13}]


def _set(moj, **overrides):
    fields = {"department": moj.department, "kind": "maternity", "name": "Enhanced maternity pay",
              "steps": MATERNITY_STEPS, "rolling_period_days": None, "qualifying_service_weeks": 26,
              "acting_user": moj.hr_admin}
    return services.absence_pay_scheme_set(**{**fields, **overrides})


def _schemes(moj, in_department):
    with in_department(moj):
        return selectors_absence.absence_pay_schemes()


def test_the_defaults_apply_until_the_department_sets_its_own(moj, in_department):
    # given no scheme of moj's own
    assert _schemes(moj, in_department)["maternity"].is_default
    # when it sets one
    _set(moj)
    # then it applies, and is audited
    maternity = _schemes(moj, in_department)["maternity"]
    assert (maternity.name, list(maternity.steps), maternity.qualifying_service_weeks, maternity.is_default) == (
        "Enhanced maternity pay", MATERNITY_STEPS, 26, False)
    with in_department(moj):
        assert AuditEvent.objects.filter(action="absence_pay_scheme.set").count() == 1
    # when it is set again, the one row is replaced
    _set(moj, name="Maternity pay 2027")
    with in_department(moj):
        assert AbsencePayScheme.objects.filter(kind="maternity").count() == 1
    # when reset, the default is back
    assert services.absence_pay_scheme_reset(department=moj.department, kind="maternity", acting_user=moj.hr_admin)
    assert _schemes(moj, in_department)["maternity"].is_default
    with in_department(moj):
        assert AuditEvent.objects.filter(action="absence_pay_scheme.reset").count() == 1


def test_one_departments_scheme_does_not_touch_anothers(moj, dft, in_department):
    _set(moj)
    assert _schemes(dft, in_department)["maternity"].is_default


BAD_SCHEMES = [
    ("steps over 52 weeks", {"steps": [{"pay": "full", "weeks": 40}, {"pay": "nil", "weeks": 13}]}, "steps"),
    ("no steps", {"steps": []}, "steps"),
    ("an unknown pay", {"steps": [{"pay": "double", "weeks": 4}]}, "steps"),
    ("days in a family scheme", {"steps": [{"pay": "full", "days": 4}]}, "steps"),
    ("a rolling period for maternity", {"rolling_period_days": 365}, "rolling_period_days"),
    ("sickness without a rolling period", {"kind": "sickness", "steps": [{"pay": "full", "days": 100}]},
     "rolling_period_days"),
    ("sick pay over the rolling period", {"kind": "sickness", "rolling_period_days": 365,
                                          "steps": [{"pay": "full", "days": 200}, {"pay": "half", "days": 200}]},
     "steps"),
    ("statutory pay in a sick pay scheme", {"kind": "sickness", "rolling_period_days": 365,
                                            "steps": [{"pay": "statutory", "days": 20}]}, "steps"),
    ("no name", {"name": "  "}, "name"),
    ("negative service", {"qualifying_service_weeks": -1}, "qualifying_service_weeks"),
    ("an unknown kind", {"kind": "sabbatical"}, "kind"),
]


@pytest.mark.parametrize(("overrides", "field"), [case[1:] for case in BAD_SCHEMES],
                         ids=[case[0] for case in BAD_SCHEMES])
def test_a_scheme_that_does_not_add_up_is_refused_by_field_and_nothing_changes(moj, in_department, overrides,
                                                                               field):
    # given moj's own maternity scheme
    _set(moj)
    before = _schemes(moj, in_department)
    # when
    with pytest.raises(ValidationError) as refused:
        _set(moj, **{"name": "Changed", **overrides})
    # then
    assert field in refused.value.message_dict
    assert _schemes(moj, in_department) == before
    with in_department(moj):
        assert AuditEvent.objects.filter(action="absence_pay_scheme.set").count() == 1


# --- The settings pages ---------------------------------------------------------------------------


def _page(moj, kind=""):
    return f"/departments/{moj.slug}/hr/settings/absence-pay-schemes/{kind + '/' if kind else ''}"


def test_hr_admins_see_each_kinds_scheme_in_effect(client, moj):
    _set(moj)
    client.force_login(moj.hr_admin)
    page = client.get(_page(moj)).content.decode()
    assert "Enhanced maternity pay" in page
    assert "18 weeks at full pay" in page
    assert "183 days at full pay" in page  # the default sick pay scheme
    assert "Department&#x27;s own" in page or "Department's own" in page


@pytest.mark.parametrize("persona", ["hr_officer", "payroll_officer", "employee"])
def test_only_hr_admins_reach_the_settings(client, moj, persona):
    client.force_login(getattr(moj, persona))
    assert client.get(_page(moj)).status_code == 403
    assert client.post(_page(moj, "maternity"), {"action": "reset"}).status_code == 403


def test_another_departments_admin_gets_not_found(client, moj, dft):
    client.force_login(dft.hr_admin)
    assert client.get(_page(moj)).status_code == 404
    assert client.get(_page(moj, "maternity")).status_code == 404


def _form(name, rows, **extra):
    data = {"name": name, "qualifying_service_weeks": "0", **extra}
    for number, (pay, length) in enumerate(rows, start=1):
        data[f"step_{number}_pay"], data[f"step_{number}_length"] = pay, str(length)
    return data


def test_an_admin_changes_the_sick_pay_scheme_from_the_page(client, moj, in_department):
    client.force_login(moj.hr_admin)
    form = client.get(_page(moj, "sickness"))
    response = client.post(_page(moj, "sickness"),
                           _form("Sick pay", [("full", 100), ("half", 100)], rolling_period_days="1461"), follow=True)
    assert form.status_code == 200
    assert 'value="183"' in form.content.decode()  # the default's first step, ready to change
    assert "Sick pay is saved" in response.content.decode()
    sickness = _schemes(moj, in_department)["sickness"]
    assert list(sickness.steps) == [{"pay": "full", "days": 100}, {"pay": "half", "days": 100}]


def test_steps_that_do_not_add_up_get_a_govuk_error_summary_and_nothing_is_saved(client, moj, in_department):
    # given
    client.force_login(moj.hr_admin)
    # when the steps add up to 60 weeks
    response = client.post(_page(moj, "maternity"), _form("Maternity pay", [("full", 40), ("statutory", 20)]))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "The steps add up to 60 weeks, more than the 52 weeks leave can last." in page
    assert 'href="#id_step_1_pay"' in page
    assert _schemes(moj, in_department)["maternity"].is_default


def test_a_row_with_pay_but_no_length_is_named(client, moj, in_department):
    client.force_login(moj.hr_admin)
    response = client.post(_page(moj, "paternity"), _form("Paternity pay", [("full", "")]))
    assert 'href="#id_step_1_length"' in response.content.decode()
    assert _schemes(moj, in_department)["paternity"].is_default


def test_an_admin_resets_a_scheme_to_the_default(client, moj, in_department):
    _set(moj)
    client.force_login(moj.hr_admin)
    page = client.get(_page(moj, "maternity")).content.decode()
    response = client.post(_page(moj, "maternity"), {"action": "reset"}, follow=True)
    assert "Use the default scheme" in page
    assert "is back to the default" in response.content.decode()
    assert _schemes(moj, in_department)["maternity"].is_default


def test_an_unknown_kind_is_not_found(client, moj):
    client.force_login(moj.hr_admin)
    assert client.get(_page(moj, "sabbatical")).status_code == 404
