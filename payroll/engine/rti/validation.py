"""Checking an FPS or EPS against HMRC's schema and business rules before it leaves.

``validate_fps(document)`` and ``validate_eps(document)`` take a whole GovTalk message (bytes, a
path or a binary file) as ``build_fps``/``build_eps`` write it and return a list of ``RtiError``:
empty means HMRC's schema accepts the body and, for an FPS, HMRC's compiled business rules raise
nothing.

**Which HMRC files.** The 2026-27 pack could not be obtained, so the body is checked in its 2025-26
rendering against the vendored 2025-26 files, exactly as ``hmrc/2025-26/README.md`` describes:
namespace and ``RelatedTaxYear`` moved to 25-26, the tax-year-bound dates moved back one year, Plan 5
checked as Plan 1. Nothing else changes, so an error found is an error in the 2026-27 body too.

**Streaming.** An FPS for 75,000 employees is some 150 MB; parsed whole it would take gigabytes.
The document is read with ``iterparse``: each ``<Employee>`` is detached as soon as it has been
read, and employees are checked in batches, each batch inside a copy of the document's own
envelope (GovTalk header, IRheader, EmpRefs, RelatedTaxYear and, in the last batch, the
FinalSubmission). This is equivalent to checking the document in one piece because neither file
relates one employee to another: the schema declares no identity constraints (``xsd:unique``,
``xsd:key``) and ``Employee`` is ``1..unbounded``, and every business rule's context is the header
or a node inside a single ``Employee`` (its XPaths climb no higher than the employee's own
details). Header errors found in several batches are reported once; an employee's location is
renumbered to its place in the whole document. Memory is bounded by one batch; ``bench/rti.py``
builds and checks 75,000 employees in about 11 s on two cores, under 70 MB.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lxml import etree

from payroll.engine.rti.model import ENVELOPE_NS

HMRC_DIR = Path(__file__).resolve().parent / "hmrc" / "2025-26"
FPS_XSD = HMRC_DIR / "FullPaymentSubmission-2026-v1-0.xsd"
FPS_RULES = HMRC_DIR / "FullPaymentSubmission-2026-v1-0.xslt"
EPS_XSD = HMRC_DIR / "EmployerPaymentSummary-2026-v1-0.xsd"

_RTI = "http://www.govtalk.gov.uk/taxation/PAYE/RTI/"
_CHECKED_YEAR = "25-26"  # the year of the HMRC files in hmrc/2025-26/
_ERR = "{http://www.govtalk.gov.uk/CM/errorresponse}"
# Dates the 2025-26 files hold to their own tax year (see hmrc/2025-26/README.md).
_YEAR_BOUND_DATES = {"PeriodEnd", "PmtDate"}
_EPS_YEAR_BOUND_PARENTS = {"NoPaymentDates", "PeriodOfInactivity"}
_EMPLOYEE_STEP = re.compile(r"(Employee)(?:\[(\d+)\])?(?=/|$)")

Source = bytes | str | os.PathLike[str] | IO[bytes]


@dataclass(frozen=True)
class RtiError:
    """One reason HMRC would reject the submission.

    ``kind`` is ``"schema"`` (the XSD), ``"business"`` (HMRC's business rules; ``code`` is HMRC's
    error number) or ``"document"`` (not a readable RTI message). ``location`` is an XPath-like
    path to the offending element; ``employee`` is its 1-based position in the FPS, if any.
    """

    kind: str
    message: str
    location: str
    code: str | None = None
    employee: int | None = None


# Compiled once per thread: lxml does not promise a schema or stylesheet may be shared by threads.
_local = threading.local()


def _schema(path: Path) -> etree.XMLSchema:
    schemas = _local.__dict__.setdefault("schemas", {})
    if path not in schemas:
        schemas[path] = etree.XMLSchema(etree.parse(str(path)))
    return schemas[path]


def _rules() -> etree.XSLT:
    if "rules" not in _local.__dict__:
        _local.rules = _direct_rules()
    return _local.rules


_XSL = "{http://www.w3.org/1999/XSL/Transform}"
_ABSOLUTE_PATH = re.compile(r"(/[\w-]+:[\w-]+)+")


def _direct_rules() -> etree.XSLT:
    """HMRC's compiled business rules, run directly on the nodes each rule is about.

    As compiled, every rule pattern (``M4``…``M39``) walks the whole document from ``/`` once per
    pattern, some forty walks of every node: about 100 s for 75,000 employees. Each pattern has a
    single rule whose context is an absolute path without predicates, unions or ``//`` (checked
    here), and the walk's default templates output nothing. So selecting that path directly reaches
    the same nodes in the same (document) order, and the rule's own walk below its context node can
    match nothing (an absolute path fixes the depth). The assertions, messages and locations are
    HMRC's, untouched; the file on disk stays unmodified. If the stylesheet ever has another shape,
    it is run as published. ``tests/payroll/rti/test_validation.py`` compares the two.
    """
    # Parsed from its file so that the stylesheet's document('') finds itself.
    stylesheet = etree.parse(str(FPS_RULES))
    contexts: dict[str, str] = {}
    walks: dict[str, etree._Element] = {}
    for template in stylesheet.getroot().iter(f"{_XSL}template"):
        mode = template.get("mode") or ""
        if not re.fullmatch(r"M\d+", mode) or template.get("priority") != "4000":
            continue
        match = template.get("match") or ""
        last = template[-1] if len(template) else None
        walk_below = last is not None and last.tag == f"{_XSL}apply-templates"
        if mode in contexts or not _ABSOLUTE_PATH.fullmatch(match) or not walk_below:
            return _published_rules()
        contexts[mode] = match
        walks[mode] = last
    starts = [node for node in stylesheet.getroot().iter(f"{_XSL}apply-templates")
              if node.get("select") == "/" and node.get("mode") in contexts]
    if not contexts or len(starts) != len(contexts):
        return _published_rules()
    for start in starts:
        start.set("select", contexts[start.get("mode") or ""])
    for walk in walks.values():
        parent = walk.getparent()
        assert parent is not None
        parent.remove(walk)
    return etree.XSLT(stylesheet)


def _published_rules() -> etree.XSLT:
    """HMRC's compiled business rules exactly as published (for comparison)."""
    return etree.XSLT(etree.parse(str(FPS_RULES)))


def validate_fps(document: Source, *, batch_size: int = 2000) -> list[RtiError]:
    """HMRC's FPS schema and business rules, streamed in batches of ``batch_size`` employees; for
    each batch its schema errors, then its business-rule errors."""
    errors: list[RtiError] = []
    seen: set[tuple[str, str, str, str | None]] = set()
    try:
        for chunk, first_number, years_back in _fps_batches(document, batch_size):
            _gather(_check_fps_chunk(chunk, first_number, years_back), errors, seen)
    except etree.XMLSyntaxError as error:
        return [RtiError(kind="document", message=str(error), location=f"line {error.lineno}")]
    except _NotRti as error:
        return [RtiError(kind="document", message=str(error), location="/")]
    return errors


def _gather(found: list[RtiError], errors: list[RtiError], seen: set[tuple[str, str, str, str | None]]) -> None:
    # A header error turns up in every batch: reported once.
    for error in found:
        key = (error.kind, error.message, error.location, error.code)
        if key not in seen:
            seen.add(key)
            errors.append(error)


def validate_eps(document: Source) -> list[RtiError]:
    """HMRC's EPS schema (there are no compiled EPS business rules in the pack)."""
    try:
        root = etree.parse(_readable(document), parser=etree.XMLParser(resolve_entities=False)).getroot()
        envelope = _ir_envelope(root, "EmployerPaymentSummary")
    except etree.XMLSyntaxError as error:
        return [RtiError(kind="document", message=str(error), location=f"line {error.lineno}")]
    except _NotRti as error:
        return [RtiError(kind="document", message=str(error), location="/")]
    years_back = _render_for_checked_year(root)
    return _schema_errors(_schema(EPS_XSD), envelope, offset=0, years_back=years_back)


class _NotRti(ValueError):
    pass


def _readable(document: Source) -> str | IO[bytes]:
    if isinstance(document, bytes):
        return io.BytesIO(document)
    if isinstance(document, os.PathLike):
        return os.fspath(document)
    return document


def _ir_envelope(root: etree._Element, message: str) -> etree._Element:
    body = root.find(f"{{{ENVELOPE_NS}}}Body")
    envelope = None if body is None else body.find("{*}IRenvelope")
    if root.tag != f"{{{ENVELOPE_NS}}}GovTalkMessage" or envelope is None or envelope.find(f"{{*}}{message}") is None:
        raise _NotRti(f"not a GovTalk message with an IRenvelope holding {message}")
    return envelope


class _CheckedYearReader:
    """Reads a document with its RTI namespace renamed to the checked year's (2025-26).

    The namespace is declared once, on the IRenvelope near the top, so only the first block is
    rewritten; renaming tens of thousands of parsed elements one by one would cost seconds. A
    declaration further down would be left as it is and then fail the schema, never pass it.
    """

    _HEAD = 64 * 1024

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        head = raw.read(self._HEAD)
        self.years_back = 0
        match = _NAMESPACE_IN_HEAD.search(head)
        if match is not None and match[2] != _CHECKED_YEAR.encode():
            self.years_back = int(match[2][:2]) - int(_CHECKED_YEAR[:2])
            head = head.replace(match[0], match[1] + b"/" + _CHECKED_YEAR.encode() + b"/1")
        self._buffer = head

    def read(self, size: int = -1) -> bytes:
        if not self._buffer:
            return self._raw.read(size)
        if size < 0:
            data, self._buffer = self._buffer + self._raw.read(), b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


_NAMESPACE_IN_HEAD = re.compile(rb"(RTI/(?:FullPaymentSubmission|EmployerPaymentSummary))/(\d\d-\d\d)/1")


def _fps_batches(document: Source, batch_size: int) -> Iterator[tuple[etree._Element, int, int]]:
    """Yield (a self-contained GovTalk FPS holding the next employees, the first one's number, how
    many years its dates were moved back)."""
    with contextlib.ExitStack() as stack:
        readable = _readable(document)
        if isinstance(readable, str):
            readable = stack.enter_context(open(readable, "rb"))
        reader = _CheckedYearReader(readable)
        skeleton: etree._Element | None = None
        batch: list[etree._Element] = []
        first_number = 1
        # Whitespace between elements means nothing in an FPS; without it HMRC's rules run a third faster.
        parser_events = etree.iterparse(reader, events=("end",), tag="{*}Employee", resolve_entities=False,
                                        huge_tree=True, remove_blank_text=True)
        for _, employee in parser_events:
            if skeleton is None:
                skeleton = employee.getroottree().getroot()
            parent = employee.getparent()
            if parent is not None:
                parent.remove(employee)
            # A full batch waits for the next employee, so the last batch is never empty.
            if len(batch) >= batch_size:
                years_back = reader.years_back
                yield _assemble(skeleton, batch, last=False, years_back=years_back), first_number, years_back
                first_number += len(batch)
                batch = []
            batch.append(employee)
        if skeleton is None:
            skeleton = parser_events.root
        _ir_envelope(skeleton, "FullPaymentSubmission")
        years_back = reader.years_back
        yield _assemble(skeleton, batch, last=True, years_back=years_back), first_number, years_back


def _assemble(skeleton: etree._Element, employees: list[etree._Element], *, last: bool,
              years_back: int) -> etree._Element:
    """A copy of the envelope with ``employees`` put where they stood. Until the last batch the
    skeleton is still being read: it holds everything before the first employee."""
    chunk = copy.deepcopy(skeleton)
    fps = chunk.find(f"{{{ENVELOPE_NS}}}Body/{{*}}IRenvelope/{{*}}FullPaymentSubmission")
    if fps is None:
        raise _NotRti("not a GovTalk message with an IRenvelope holding FullPaymentSubmission")
    # The parser reads ahead: employees after this batch may already hang in the skeleton.
    for stray in fps.findall("{*}Employee") + ([] if last else fps.findall("{*}FinalSubmission")):
        fps.remove(stray)
    place = next((i for i, child in enumerate(fps) if etree.QName(child).localname in ("CompressedPart",
                                                                                       "FinalSubmission")), len(fps))
    for offset, employee in enumerate(employees):
        fps.insert(place + offset, employee)
    if years_back:
        _move_fps_to_checked_year(chunk, years_back)
    return chunk


def _move_fps_to_checked_year(chunk: etree._Element, years_back: int) -> None:
    """The rest of the 2025-26 rendering once the namespace is renamed (hmrc/2025-26/README.md)."""
    namespace = "{" + _RTI + "FullPaymentSubmission/" + _CHECKED_YEAR + "/1}"
    for element in chunk.iter(namespace + "RelatedTaxYear"):
        element.text = _CHECKED_YEAR
    for element in chunk.iter(namespace + "PeriodEnd", namespace + "PmtDate"):
        element.text = _years_earlier(element.text or "", years_back)
    for element in chunk.iter(namespace + "StudentLoanRecovered"):
        if element.get("PlanType") == "05":
            element.set("PlanType", "01")  # Plan 5 is not in the 2025-26 enumeration


def _render_for_checked_year(root: etree._Element) -> int:
    """The 2025-26 rendering of a 2026-27 body (hmrc/2025-26/README.md), element by element (an
    EPS is small); returns how many years the dates moved back."""
    body = root.find(f"{{{ENVELOPE_NS}}}Body")
    envelope = None if body is None else body.find("{*}IRenvelope")
    if envelope is None:
        return 0
    namespace = etree.QName(envelope).namespace or ""
    match = re.fullmatch(re.escape(_RTI) + r"(\w+)/(\d\d)-(\d\d)/1", namespace)
    if match is None or f"{match[2]}-{match[3]}" == _CHECKED_YEAR:
        return 0
    years_back = int(match[2]) - int(_CHECKED_YEAR[:2])
    checked = f"{_RTI}{match[1]}/{_CHECKED_YEAR}/1"
    prefix = "{" + namespace + "}"
    for element in envelope.iter():
        tag = element.tag
        if not isinstance(tag, str) or not tag.startswith(prefix):
            continue
        local = tag[len(prefix):]
        element.tag = "{" + checked + "}" + local
        if local == "RelatedTaxYear":
            element.text = _CHECKED_YEAR
        elif local in _YEAR_BOUND_DATES or (local in ("From", "To") and _parent_local(element)
                                            in _EPS_YEAR_BOUND_PARENTS):
            element.text = _years_earlier(element.text or "", years_back)
        elif local == "StudentLoanRecovered" and element.get("PlanType") == "05":
            element.set("PlanType", "01")  # Plan 5 is not in the 2025-26 enumeration
    return years_back


def _parent_local(element: etree._Element) -> str:
    parent = element.getparent()
    return "" if parent is None else etree.QName(parent).localname


def _years_earlier(value: str, years: int) -> str:
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        return value  # the schema reports the bad date itself
    if day.month == 2 and day.day == 29:
        day = day.replace(day=28)
    return day.replace(year=day.year - years).isoformat()


def _check_fps_chunk(chunk: etree._Element, first_number: int, years_back: int = 0) -> list[RtiError]:
    offset = first_number - 1
    envelope = chunk.find(f"{{{ENVELOPE_NS}}}Body/{{*}}IRenvelope")
    assert envelope is not None  # checked when the batch was assembled
    errors = _schema_errors(_schema(FPS_XSD), envelope, offset=offset, years_back=years_back)
    report = _rules()(etree.ElementTree(chunk))
    for error in report.getroot().iter(f"{_ERR}Error"):
        location, employee = _renumber(_readable_path(error.findtext(f"{_ERR}Location")), offset)
        errors.append(RtiError(kind="business", code=(error.findtext(f"{_ERR}Number") or "").strip() or None,
                               message=" ".join((error.findtext(f"{_ERR}Text") or "").split()),
                               location=location, employee=employee))
    return errors


def _schema_errors(schema: etree.XMLSchema, envelope: etree._Element, *, offset: int,
                   years_back: int = 0) -> list[RtiError]:
    # Validated in place: the IRenvelope is the schema's root element wherever it sits.
    if schema.validate(envelope):
        return []
    errors = []
    by_line: dict[int, list[etree._Element]] = {}
    for element in envelope.iter():
        by_line.setdefault(element.sourceline or 0, []).append(element)
    for entry in schema.error_log:
        element = _element_at(by_line.get(entry.line, []), entry.message)
        path = _path_of(element) if element is not None else "/GovTalkMessage/Body" + _readable_path(entry.path)
        location, employee = _renumber(path, offset)
        message = _without_namespaces(entry.message)
        if years_back and element is not None and _is_year_bound(element):
            message += f" (dates checked {years_back} year(s) earlier, against HMRC's {_CHECKED_YEAR} schema)"
        errors.append(RtiError(kind="schema", message=message, location=location, employee=employee))
    return errors


def _is_year_bound(element: etree._Element) -> bool:
    local = etree.QName(element).localname
    return local in _YEAR_BOUND_DATES or (local in ("From", "To") and _parent_local(element) in _EPS_YEAR_BOUND_PARENTS)


def _element_at(on_line: list[etree._Element], message: str) -> etree._Element | None:
    """The element an error is about: on the line libxml2 gives, named as its message names it."""
    named = re.match(r"Element '(?:\{[^}]*\})?([\w-]+)'", message)
    for element in on_line:
        if named is None or etree.QName(element).localname == named[1]:
            return element
    return None


def _path_of(element: etree._Element) -> str:
    """``/GovTalkMessage[1]/Body[1]/…``, the form HMRC's business rules give locations in."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        before = sum(1 for _ in node.itersiblings(node.tag, preceding=True))
        steps.append(f"{etree.QName(node).localname}[{before + 1}]")
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def _readable_path(path: str | None) -> str:
    """libxml2 prefixes each step (``/ns0:IRenvelope/…``); the names alone read better."""
    return re.sub(r"\b\w+:(\w+)", r"\1", path or "")


def _without_namespaces(message: str) -> str:
    return re.sub(r"\{\w+:[^}]*\}", "", message)


def _renumber(location: str, offset: int) -> tuple[str, int | None]:
    """``…/Employee[3]/…`` of a batch → the employee's number in the whole document."""
    match = _EMPLOYEE_STEP.search(location)
    if match is None:
        return location, None
    number = int(match[2] or 1) + offset  # libxml2 leaves out "[1]" when the step is unique
    return location[: match.start()] + f"{match[1]}[{number}]" + location[match.end():], number
