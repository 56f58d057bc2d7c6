"""RTI.md §10's worked example, reproduced byte for byte with its IRmark, and accepted by HMRC's
2025-26 schema and business rules in its 2025-26 rendering (hmrc/2025-26/README.md)."""

from __future__ import annotations

import io

from payroll.engine.rti import build_fps, fps_bytes, irmark, validate_fps
from payroll.engine.rti.envelope import base32_mark
from tests.payroll.rti.worked_example import EMPLOYEES, EXAMPLE_FILE, HEADER

STATED_MARK = "Uiz2NSxWHYMWqCgYlxhtSrywNGs="


def test_the_worked_example_is_reproduced_byte_for_byte_irmark_included():
    # when the two employees are built into an FPS
    produced = fps_bytes(HEADER, EMPLOYEES)
    # then the message is the shared example exactly
    assert produced == EXAMPLE_FILE.read_bytes()
    assert f'<IRmark Type="generic">{STATED_MARK}</IRmark>'.encode() in produced


def test_the_irmark_is_returned_recomputes_from_the_document_and_shows_in_base32():
    buffer = io.BytesIO()
    mark = build_fps(HEADER, EMPLOYEES, buffer)
    assert mark == STATED_MARK
    assert irmark(buffer.getvalue()) == STATED_MARK
    assert base32_mark(mark) == "KIWPMNJMKYOYGFVIFAMJOGDNJK6LANDL"


class _Pipe(io.RawIOBase):
    """A write-only stream that cannot seek, like a socket or a response body."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.written += data
        return len(data)


def test_a_stream_that_cannot_seek_gets_the_same_bytes():
    pipe = _Pipe()
    mark = build_fps(HEADER, iter(EMPLOYEES), pipe)  # type: ignore[arg-type]
    assert bytes(pipe.written) == EXAMPLE_FILE.read_bytes()
    assert mark == STATED_MARK


def test_hmrcs_schema_and_business_rules_accept_the_worked_example():
    assert validate_fps(EXAMPLE_FILE.read_bytes()) == []
    assert validate_fps(EXAMPLE_FILE) == []


def test_hmrcs_rules_fire_on_the_wrong_message_class():
    # given the example sent with the EPS message class (RTI.md §10's negative check)
    wrong = EXAMPLE_FILE.read_bytes().replace(b"HMRC-PAYE-RTI-FPS", b"HMRC-PAYE-RTI-EPS")
    # then HMRC's rule 7837 says so
    errors = validate_fps(wrong)
    assert [(error.kind, error.code) for error in errors] == [("business", "7837")]
    assert "Valid message classes" in errors[0].message
