"""HMRC's schema and business rules, applied in batches: the same errors as in one piece, with each
error pointing at the employee in the whole document."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from lxml import etree

from payroll.engine.rti import fps_bytes, validate_fps
from payroll.engine.rti import validation as validation_module
from payroll.engine.rti.model import Address, StudentLoan, StudentLoanPlan
from tests.payroll.rti.worked_example import AMIR, HEADER, JANE, changed

D = datetime.date


def _staff(count: int) -> list:
    people = []
    for number in range(1, count + 1):
        base = JANE if number % 2 else AMIR
        people.append(changed(base, payroll_id=f"MOJ-{number:06d}", old_payroll_id=f"OLD-{number:06d}"
                              if base is JANE else None))
    return people


def _with_problems() -> bytes:
    staff = _staff(9)
    # employee 4: no NINO and one address line (rule 7823); employee 7: a pay date outside 2026-27
    # (schema); employee 8: letter X with NICs (rules 7852 and on)
    staff[3] = changed(staff[3], nino=None, address=Address(lines=("1 Quay",), uk_postcode="BS1 4DJ"))
    staff[6] = changed(staff[6], payment_date=D(2027, 4, 6))
    staff[7] = changed(staff[7], ni=(dataclasses.replace(staff[7].ni[0], letter="X"),))
    return fps_bytes(HEADER, staff)


def test_errors_are_the_same_in_batches_as_in_one_piece_and_name_the_employee():
    document = _with_problems()
    whole = validate_fps(document, batch_size=100)
    for batch_size in (1, 2, 4):
        # each batch lists its schema errors, then its business-rule errors
        assert sorted(validate_fps(document, batch_size=batch_size), key=_order) == sorted(whole, key=_order)
    assert {error.employee for error in whole} == {4, 7, 8}
    assert {error.code for error in whole if error.employee == 4} == {"7823", "7829"}
    [late] = [error for error in whole if error.employee == 7]
    assert (late.kind, late.location.rsplit("/", 1)[-1]) == ("schema", "PmtDate[1]")
    assert "dates checked 1 year(s) earlier" in late.message
    assert all(f"/Employee[{error.employee}]/" in error.location for error in whole)


def _order(error) -> tuple:
    return (error.employee or 0, error.kind, error.code or "", error.location, error.message)


def test_hmrcs_rules_run_directly_on_their_nodes_give_what_the_published_stylesheet_gives():
    chunk, _, _ = next(validation_module._fps_batches(_with_problems(), 100))
    tree = etree.ElementTree(chunk)
    published = str(validation_module._published_rules()(tree))
    direct = str(validation_module._rules()(tree))
    assert direct == published
    assert published.count("<err:Error") >= 3


def test_plan_5_is_accepted_through_the_2025_26_rendering():
    loan = StudentLoan(plan=StudentLoanPlan.PLAN_5, recovered_in_period=Decimal(9), recovered_ytd=Decimal(9))
    assert validate_fps(fps_bytes(HEADER, [changed(AMIR, student_loan=loan)])) == []


def test_a_file_that_is_not_an_fps_is_reported_not_raised():
    [broken] = validate_fps(b"<GovTalkMessage><Body>")
    [other] = validate_fps(b'<GovTalkMessage xmlns="http://www.govtalk.gov.uk/CM/envelope"><Body/></GovTalkMessage>')
    assert broken.kind == other.kind == "document"
    assert "FullPaymentSubmission" in other.message


def test_a_file_on_disk_is_validated_by_path(tmp_path):
    path = tmp_path / "fps.xml"
    path.write_bytes(_with_problems())
    assert validate_fps(path) == validate_fps(str(path)) == validate_fps(path.read_bytes())
