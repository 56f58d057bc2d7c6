"""P60s as PDFs: the form laid out once by WeasyPrint, each employee's figures written onto it.

WeasyPrint takes about 70 ms to lay out one P60 page, so 75,000 of them would take 90 minutes of one
core. Everything on the form but the employee's figures is the same for a whole department and
year, so ``P60Form`` has WeasyPrint lay out that form once (labels, rules, the employer's name and
PAYE reference) and each employee's PDF is the form plus a small appended update (PDF incremental
update, ISO 32000-1 §7.5.6): one content stream drawing the figures in the standard Helvetica font
at the positions the form leaves for them. That is string work, well under a millisecond each.

A P60 the form cannot hold (more than ``NI_ROWS`` NI table letters in the year, or a name with
letters outside the Windows-1252 set the standard fonts cover) is laid out whole by WeasyPrint from
``payroll/p60/document.html`` instead (``p60_pdf``).
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

from django.template.loader import render_to_string

from payroll.p60 import P60

MM = 72 / 25.4  # points per millimetre
PAGE_HEIGHT_MM = 297
LEFT, RIGHT = 14, 196  # the form's margins, in mm from the left edge
VALUE_LEFT = 80
FONT_SIZE = 9
NI_ROWS = 5
# Where the form puts things: each row's top edge in mm from the top of the page.
IDENTITY_ROWS = (("surname", "Employee's surname", 36), ("forenames", "Forenames or initials", 42),
                 ("ni_number", "National Insurance number", 48), ("payroll_number", "Works/payroll number", 54))
PAY_ROWS = (("previous", "In previous employment(s)", 74), ("this", "In this employment", 80),
            ("total", "Total for year", 86))
PAY_COLUMNS = (150, RIGHT)  # right edges: pay, tax deducted
CODE_TOP = 94
NI_TOPS = tuple(124 + 6 * index for index in range(NI_ROWS))
NI_COLUMNS = (88, 124, 160, RIGHT)  # right edges: at LEL, LEL to PT, PT to UEL, employee's contributions
STATUTORY_TOPS = tuple(164 + 6 * index for index in range(6))
LOAN_TOPS = (210, 216)
# Helvetica's advance widths (thousandths of the font size) for what the figures use: right-aligned
# amounts need their width, and the standard fonts' metrics are fixed (Adobe's AFM files).
_HELVETICA = {**dict.fromkeys("0123456789", 556), ",": 278, ".": 278, "\u00a3": 556, " ": 278, "R": 722, "-": 333}


@dataclass(frozen=True)
class _Label:
    left: float
    top: float
    width: float
    text: str
    css: str = ""


def _form_labels(tax_year: str, employer_name: str, employer_paye_reference: str) -> tuple[list[_Label], list[float]]:
    """The form's fixed text and its rules, at the positions the figures are written against."""
    year_end = int(tax_year[:4]) + 1
    labels = [_Label(LEFT, 14, 182, "P60 End of Year Certificate", "h1"),
              _Label(LEFT, 23, 182, f"Tax year to 5 April {year_end}", "b")]
    rules: list[float] = []
    for _, text, top in IDENTITY_ROWS:
        labels.append(_Label(LEFT, top, 64, text, "b"))
        rules.append(top + 5.5)
    labels += [_Label(LEFT, 62, 182, "Pay and Income Tax details", "h2"),
               _Label(PAY_COLUMNS[0] - 40, 68, 40, "Pay", "b r"),
               _Label(PAY_COLUMNS[1] - 40, 68, 40, "Tax deducted", "b r")]
    for _, text, top in PAY_ROWS:
        labels.append(_Label(LEFT, top, 90, text, "b" if top == PAY_ROWS[-1][2] else ""))
        rules.append(top + 5.5)
    labels += [_Label(LEFT, CODE_TOP, 60, "Final tax code", "b"),
               _Label(LEFT, 102, 182, "National Insurance contributions in this employment", "h2"),
               _Label(LEFT, 109, 20, "NIC table letter", "s b")]
    for right, text in zip(NI_COLUMNS, ("Earnings at the LEL (where earnings are equal to or exceed the LEL)",
                                        "Earnings above the LEL, up to and including the PT",
                                        "Earnings above the PT, up to and including the UEL",
                                        "Employee's contributions due on all earnings above the PT"), strict=True):
        labels.append(_Label(right - 34, 109, 34, text, "s b r"))
    rules += [top + 5.5 for top in NI_TOPS]
    labels.append(_Label(LEFT, 156, 182, "Statutory payments included in the pay 'In this employment'", "h2"))
    from payroll.p60 import STATUTORY_PAYMENTS

    for (_, text), top in zip(STATUTORY_PAYMENTS, STATUTORY_TOPS, strict=True):
        labels.append(_Label(LEFT, top, 120, text))
        rules.append(top + 5.5)
    labels.append(_Label(LEFT, 202, 182, "Other details", "h2"))
    for text, top in zip(("Student Loan deductions in this employment (whole £s only)",
                          "Postgraduate Loan deductions in this employment (whole £s only)"), LOAN_TOPS, strict=True):
        labels.append(_Label(LEFT, top, 140, text))
        rules.append(top + 5.5)
    labels += [
        _Label(LEFT, 226, 182, "Certificate by Employer/Paying Office", "h2"),
        _Label(LEFT, 232, 182, "This form shows your total pay for Income Tax purposes in this employment for the "
                               "year. Any overtime, bonus, commission etc, Statutory Sick Pay, Statutory Maternity "
                               "Pay, Statutory Paternity Pay, Statutory Shared Parental Pay, Statutory Adoption Pay, "
                               "Statutory Parental Bereavement Pay or Statutory Neonatal Care Pay is included.", "s"),
        _Label(LEFT, 248, 60, "Employer", "b"), _Label(VALUE_LEFT, 248, 116, employer_name),
        _Label(LEFT, 254, 60, "Employer PAYE reference", "b"),
        _Label(VALUE_LEFT, 254, 116, employer_paye_reference or "Not set"),
        _Label(LEFT, 264, 182, "To employee: please keep this certificate in a safe place as you will need it if you "
                               "have to fill in a tax return. You also need it to make a claim for tax credits and "
                               "Universal Credit or to renew your claim. It also helps you check that your employer "
                               "is using the correct National Insurance number and deducting the right rate of "
                               "National Insurance contributions.", "s"),
    ]
    return labels, rules


def _pounds(amount: Decimal, places: int = 2) -> str:
    return f"\u00a3{amount:,.{places}f}"


def _slots(p60: P60) -> list[tuple[float, float, str, str]]:
    """(x mm, row top mm, "l" or "r", text): every figure the form leaves a place for."""
    slots: list[tuple[float, float, str, str]] = []
    identity = {"surname": p60.surname, "forenames": p60.forenames, "ni_number": p60.ni_number or "Not known",
                "payroll_number": p60.payroll_number}
    for key, _, top in IDENTITY_ROWS:
        slots.append((VALUE_LEFT, top, "l", identity[key]))
    tax = _pounds(p60.tax_amount) + (" R" if p60.tax_refunded else "")
    for (_, _, top), (pay, tax_text) in zip(PAY_ROWS, (
            (_pounds(p60.previous_pay), _pounds(p60.previous_tax)), (_pounds(p60.pay), tax),
            (_pounds(p60.total_pay), _pounds(p60.total_tax))), strict=True):
        slots += [(PAY_COLUMNS[0], top, "r", pay), (PAY_COLUMNS[1], top, "r", tax_text)]
    slots.append((VALUE_LEFT, CODE_TOP, "l", p60.final_tax_code))
    for row, top in zip(p60.ni, NI_TOPS, strict=False):
        slots.append((LEFT + 2, top, "l", row.letter))
        for right, amount in zip(NI_COLUMNS, (row.at_lel, row.lel_to_pt, row.pt_to_uel, row.employee_contributions),
                                 strict=True):
            slots.append((right, top, "r", _pounds(amount)))
    for (_, amount), top in zip(p60.statutory_payments, STATUTORY_TOPS, strict=True):
        slots.append((RIGHT, top, "r", _pounds(amount)))
    for amount, top in zip((p60.student_loan, p60.postgraduate_loan), LOAN_TOPS, strict=True):
        slots.append((RIGHT, top, "r", _pounds(amount, 0)))
    return slots


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _width_pt(text: str) -> float:
    return sum(_HELVETICA.get(character, 556) for character in text) * FONT_SIZE / 1000


def _content(p60: P60) -> bytes:
    parts = [b"Q BT /FP60 %d Tf" % FONT_SIZE]
    for x, top, align, text in _slots(p60):
        x_pt = x * MM - (_width_pt(text) if align == "r" else 0)
        # The baseline sits 3.7 mm below the row's top, level with the form's 5 mm-high labels.
        y_pt = (PAGE_HEIGHT_MM - top - 3.7) * MM
        parts.append(b"1 0 0 1 %.2f %.2f Tm %s Tj" % (x_pt, y_pt, _pdf_string(text)))
    parts.append(b"ET")
    return b"\n".join(parts)


def fits_form(p60: P60) -> bool:
    """Whether the form has room for the P60 and the standard font its letters."""
    if len(p60.ni) > NI_ROWS:
        return False
    try:
        "".join(text for *_, text in _slots(p60)).encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class P60Form:
    """The laid-out form of one department's P60s for one year, and the PDF of each employee's."""

    def __init__(self, *, tax_year: str, employer_name: str, employer_paye_reference: str) -> None:
        from pypdf import PdfReader
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject
        from weasyprint import HTML

        labels, rules = _form_labels(tax_year, employer_name, employer_paye_reference)
        html = render_to_string("payroll/p60/form.html", {"labels": labels, "rules": rules, "tax_year": tax_year})
        template = bytes(HTML(string=html).write_pdf())
        reader = PdfReader(io.BytesIO(template))
        page = reader.pages[0]
        page_ref = page.indirect_reference
        assert page_ref is not None  # a page read from a file always has its object number
        size = int(cast(Any, reader.trailer["/Size"]))
        font_number, save_number, self._content_number, self._xref_number = size, size + 1, size + 2, size + 3
        self._page_number = page_ref.idnum

        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica"),
                                 NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
        # The page again, drawing its own content then the figures, with the font among its resources.
        # Copied with their references as they are (dict.items), not resolved: the update names the
        # form's own objects.
        resources = DictionaryObject(dict.items(cast(DictionaryObject, page["/Resources"].get_object())))
        fonts = DictionaryObject(dict.items(cast(DictionaryObject, resources["/Font"].get_object()))) \
            if "/Font" in resources else DictionaryObject()
        fonts[NameObject("/FP60")] = IndirectObject(font_number, 0, reader)
        resources[NameObject("/Font")] = fonts
        new_page = DictionaryObject(dict.items(page))
        contents = dict.__getitem__(page, "/Contents")
        existing = list(contents) if isinstance(contents, ArrayObject) else [contents]
        # The form's content leaves its coordinate system changed; saved before it ("q") and restored
        # after it (the figures' stream starts with "Q"), the figures are placed in the page's own.
        new_page[NameObject("/Contents")] = ArrayObject([IndirectObject(save_number, 0, reader), *existing,
                                                         IndirectObject(self._content_number, 0, reader)])
        new_page[NameObject("/Resources")] = resources

        out = bytearray(template)
        if not out.endswith(b"\n"):
            out += b"\n"
        self._offsets = {}
        for number, obj in ((self._page_number, new_page), (font_number, font)):
            self._offsets[number] = len(out)
            stream = io.BytesIO()
            obj.write_to_stream(stream)
            out += b"%d 0 obj\n" % number + stream.getvalue() + b"\nendobj\n"
        self._offsets[save_number] = len(out)
        out += b"%d 0 obj\n<< /Length 1 >>\nstream\nq\nendstream\nendobj\n" % save_number
        self._prefix = bytes(out)
        self._root = dict.__getitem__(reader.trailer, "/Root")
        self._info = dict.get(reader.trailer, "/Info")
        self._previous_xref = int(re.findall(rb"startxref\s+(\d+)", template)[-1])

    def pdf(self, p60: P60) -> bytes:
        """The employee's P60: the form with their figures written on (an incremental update)."""
        content = _content(p60)
        out = bytearray(self._prefix)
        offsets = dict(self._offsets)
        offsets[self._content_number] = len(out)
        out += b"%d 0 obj\n<< /Length %d >>\nstream\n" % (self._content_number, len(content)) + content + \
            b"\nendstream\nendobj\n"
        offsets[self._xref_number] = len(out)
        # A cross-reference stream (the form's own is one): type 1 entries, 4-byte offsets.
        numbers = sorted(offsets)
        rows = b"".join(struct.pack(">BIH", 1, offsets[number], 0) for number in numbers)
        index = b" ".join(b"%d 1" % number for number in numbers)
        info = b" /Info %d 0 R" % self._info.idnum if self._info is not None else b""
        out += (b"%d 0 obj\n<< /Type /XRef /Size %d /Index [%s] /W [1 4 2] /Root %d 0 R%s /Prev %d /Length %d >>\n"
                b"stream\n" % (self._xref_number, self._xref_number + 1, index, self._root.idnum, info,
                               self._previous_xref, len(rows)))
        out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[self._xref_number]
        return bytes(out)


@lru_cache(maxsize=16)
def p60_form(tax_year: str, employer_name: str, employer_paye_reference: str) -> P60Form:
    """The form of one department's year, laid out once per process."""
    return P60Form(tax_year=tax_year, employer_name=employer_name, employer_paye_reference=employer_paye_reference)


def p60_html(p60s: Sequence[P60]) -> str:
    tax_year = p60s[0].tax_year if p60s else ""
    return render_to_string("payroll/p60/document.html", {"p60s": p60s, "tax_year": tax_year})


def p60_pdf(p60: P60) -> bytes:
    """One employee's P60 laid out whole by WeasyPrint: for a P60 the form cannot hold."""
    from weasyprint import HTML

    return bytes(HTML(string=p60_html([p60])).write_pdf())


def p60_pdfs(p60s: Sequence[P60]) -> list[bytes]:
    """A PDF per P60, in order: on the department's form, or laid out whole when it does not fit."""
    return [p60_form(p60.tax_year, p60.employer_name, p60.employer_paye_reference).pdf(p60) if fits_form(p60)
            else p60_pdf(p60) for p60 in p60s]
