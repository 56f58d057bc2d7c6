"""Bacs Standard 18 direct-credit files for net pay (transaction code 99), and reading them back.

Plain Python: the pay run hands in the employer's details, the payments and the bank holidays; the
layout, the character rules and the processing-day rule follow ``../shared/payroll/BACS.md``
(sections 2 to 6). One file has one processing day (the "DAILY" single-processing-day layout):
80-character labels, 100-character payment and contra records, CRLF between records.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

LABEL_LENGTH = 80
RECORD_LENGTH = 100
LINE_END = "\r\n"
CREDIT = "99"
CONTRA = "17"
MAX_AMOUNT_PENCE = 99_999_999_999  # eleven digits
_NOT_BACS = re.compile(r"[^A-Z0-9.&/\- ]")


class BacsError(ValueError):
    """A value that cannot go into a Standard 18 file; the message names the field."""


def bacs_text(value: str, width: int) -> str:
    """Upper case, accents stripped, anything outside A-Z 0-9 . & / - space made a space;
    left-justified and cut to ``width``."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").upper()
    return _NOT_BACS.sub(" ", plain)[:width].ljust(width)


def bacs_date(day: datetime.date) -> str:
    """``bYYDDD``: a blank, the two-digit year and the day of the year."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


def _digits(value: str, width: int, field: str) -> str:
    cleaned = value.replace(" ", "").replace("-", "")
    if not cleaned.isdigit() or len(cleaned) > width or int(cleaned) == 0:
        raise BacsError(f"{field}: {value!r} is not a {width}-digit number")
    if len(cleaned) < width and width == 8 and len(cleaned) >= 6:
        cleaned = cleaned.zfill(8)  # 6- and 7-digit accounts are left-padded (BACS.md 7.1)
    if len(cleaned) != width:
        raise BacsError(f"{field}: {value!r} is not a {width}-digit number")
    return cleaned


def is_bacs_day(day: datetime.date, holidays: Collection[datetime.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def previous_bacs_day(day: datetime.date, holidays: Collection[datetime.date]) -> datetime.date:
    day -= datetime.timedelta(days=1)
    while not is_bacs_day(day, holidays):
        day -= datetime.timedelta(days=1)
    return day


@dataclass(frozen=True)
class BacsCycle:
    """The three Bacs days behind one pay date: submit on ``input_day``, Bacs processes on
    ``processing_day``, money arrives on ``entry_day``."""

    input_day: datetime.date
    processing_day: datetime.date
    entry_day: datetime.date


def bacs_cycle(pay_date: datetime.date, holidays: Collection[datetime.date]) -> BacsCycle:
    """The cycle for a pay date (England and Wales bank holidays). A pay date that is not a Bacs
    day is paid on the Bacs day before it."""
    entry = pay_date if is_bacs_day(pay_date, holidays) else previous_bacs_day(pay_date, holidays)
    processing = previous_bacs_day(entry, holidays)
    return BacsCycle(input_day=previous_bacs_day(processing, holidays), processing_day=processing, entry_day=entry)


@dataclass(frozen=True)
class Originator:
    """The employer: its Bacs service user number and the account the net pay leaves from."""

    service_user_number: str
    name: str
    sort_code: str
    account_number: str
    account_name: str


@dataclass(frozen=True)
class Payment:
    """One employee's net pay."""

    sort_code: str
    account_number: str
    account_name: str
    amount_pence: int
    reference: str


def _labels(originator: Originator, *, serial: str, created_on: datetime.date,
            processing_day: datetime.date, file_number: int) -> tuple[str, str, str, str]:
    sun = originator.service_user_number
    vol1 = f"VOL1{serial}{' ' * 1}{' ' * 20}{' ' * 6}{' ' * 4}{sun}{' ' * 4}{' ' * 28}1"
    hdr1 = (f"HDR1A{sun}S  1{sun}{serial}00010001{' ' * 4}{' ' * 2}{bacs_date(created_on)}"
            f"{bacs_date(processing_day)} 000000{' ' * 13}{' ' * 7}")
    hdr2 = f"HDR2F0200000100{' ' * 35}00{' ' * 28}"
    uhl1 = (f"UHL1{bacs_date(processing_day)}999999    00000000{'1 DAILY  '}{file_number:03d}"
            f"{' ' * 7}{' ' * 7}{' ' * 26}")
    return vol1, hdr1, hdr2, uhl1


def standard18_file(*, originator: Originator, payments: Sequence[Payment], processing_day: datetime.date,
                    created_on: datetime.date, serial: str = "000001", file_number: int = 1) -> str:
    """The whole file as text (ASCII, CRLF after every record, no byte-order mark).

    Raises ``BacsError`` naming the first bad value: an employer field, or a payment by its
    position and account name.
    """
    sun = _digits(originator.service_user_number, 6, "service user number")
    origin_sort = _digits(originator.sort_code, 6, "employer sort code")
    origin_account = _digits(originator.account_number, 8, "employer account number")
    if not (len(serial) == 6 and serial.strip() and set(serial) != {"0"}):
        raise BacsError(f"submission serial number: {serial!r} must be 6 characters, not all zeros or blanks")
    if not 1 <= file_number <= 999:
        raise BacsError(f"file number: {file_number} must be 1 to 999")
    if not payments:
        raise BacsError("payments: a Bacs file needs at least one payment")
    originator = Originator(service_user_number=sun, name=originator.name, sort_code=origin_sort,
                            account_number=origin_account, account_name=originator.account_name)
    employer_name = bacs_text(originator.name, 18)
    records = []
    total = 0
    for position, payment in enumerate(payments, start=1):
        who = f"payment {position} ({payment.account_name.strip() or 'no account name'})"
        if not isinstance(payment.amount_pence, int) or payment.amount_pence <= 0:
            raise BacsError(f"{who}: amount must be a whole number of pence above 0, not {payment.amount_pence!r}")
        if payment.amount_pence > MAX_AMOUNT_PENCE:
            raise BacsError(f"{who}: amount {payment.amount_pence} pence is more than a Bacs record holds")
        if not payment.account_name.strip():
            raise BacsError(f"{who}: the account name is missing")
        records.append(
            f"{_digits(payment.sort_code, 6, f'{who} sort code')}{_digits(payment.account_number, 8, f'{who} account')}"
            f"0{CREDIT}{origin_sort}{origin_account}{' ' * 4}{payment.amount_pence:011d}{employer_name}"
            f"{bacs_text(payment.reference, 18)}{bacs_text(payment.account_name, 18)}"
        )
        total += payment.amount_pence
    if total > MAX_AMOUNT_PENCE:
        raise BacsError(f"payments: the total of {total} pence is more than a contra record holds")
    records.append(f"{origin_sort}{origin_account}0{CONTRA}{origin_sort}{origin_account}{' ' * 4}{total:011d}"
                   f"{employer_name}{bacs_text('CONTRA', 18)}{bacs_text(originator.account_name, 18)}")
    vol1, hdr1, hdr2, uhl1 = _labels(originator, serial=serial, created_on=created_on,
                                     processing_day=processing_day, file_number=file_number)
    utl1 = f"UTL1{total:013d}{total:013d}{1:07d}{len(payments):07d}{' ' * 36}"
    lines = [vol1, hdr1, hdr2, uhl1, *records, "EOF1" + hdr1[4:], "EOF2" + hdr2[4:], utl1]
    for line in lines:
        expected = LABEL_LENGTH if line[:4] in {"VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"} \
            else RECORD_LENGTH
        assert len(line) == expected, f"{line[:4]!r} came out {len(line)} characters long"
    return LINE_END.join(lines) + LINE_END


# --- Reading a file back -----------------------------------------------------------------------

@dataclass(frozen=True)
class ReadPayment:
    sort_code: str
    account_number: str
    amount_pence: int
    reference: str
    account_name: str


@dataclass(frozen=True)
class ReadFile:
    """What a Standard 18 file says, after every count and total in it has been checked."""

    service_user_number: str
    processing_day: datetime.date
    payments: tuple[ReadPayment, ...]
    contra_pence: int

    @property
    def total_pence(self) -> int:
        return sum(payment.amount_pence for payment in self.payments)


def _read_date(value: str, where: str) -> datetime.date:
    if not re.fullmatch(r" \d{5}", value):
        raise BacsError(f"{where}: {value!r} is not a bYYDDD date")
    year, day_of_year = 2000 + int(value[1:3]), int(value[3:6])
    return datetime.date(year, 1, 1) + datetime.timedelta(days=day_of_year - 1)


def read_standard18(text: str) -> ReadFile:
    """Parse a single-processing-day direct-credit file and check it is internally consistent:
    record lengths, label order, EOF labels mirroring the headers, the contra balancing the
    credits, and the trailer's counts and totals."""
    lines = text.split(LINE_END)
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 9:
        raise BacsError(f"the file has {len(lines)} records; a file with one payment has 9")
    names = [line[:4] for line in lines]
    if names[:4] != ["VOL1", "HDR1", "HDR2", "UHL1"] or names[-3:] != ["EOF1", "EOF2", "UTL1"]:
        raise BacsError(f"labels out of order: {names[:4]} … {names[-3:]}")
    for number, line in enumerate(lines, start=1):
        expected = LABEL_LENGTH if number <= 4 or number > len(lines) - 3 else RECORD_LENGTH
        if len(line) != expected:
            raise BacsError(f"record {number} is {len(line)} characters, not {expected}")
    vol1, hdr1, hdr2, uhl1 = lines[:4]
    eof1, eof2, utl1 = lines[-3:]
    if hdr1[5:11] != vol1[41:47]:
        raise BacsError("HDR1 service user number differs from VOL1's")
    if eof1[4:] != hdr1[4:] or eof2[4:] != hdr2[4:]:
        raise BacsError("EOF1/EOF2 do not mirror HDR1/HDR2")
    processing_day = _read_date(uhl1[4:10], "UHL1 processing day")
    *credits, contra = lines[4:-3]
    payments = []
    for number, record in enumerate(credits, start=5):
        if record[15:17] != CREDIT:
            raise BacsError(f"record {number}: transaction code {record[15:17]!r}, expected {CREDIT}")
        payments.append(ReadPayment(sort_code=record[0:6], account_number=record[6:14],
                                    amount_pence=int(record[35:46]), reference=record[64:82].rstrip(),
                                    account_name=record[82:100].rstrip()))
    if contra[15:17] != CONTRA:
        raise BacsError(f"the last record before EOF1 is not a contra (code {contra[15:17]!r})")
    read = ReadFile(service_user_number=vol1[41:47], processing_day=processing_day, payments=tuple(payments),
                    contra_pence=int(contra[35:46]))
    if read.contra_pence != read.total_pence:
        raise BacsError(f"contra {read.contra_pence} pence does not balance credits of {read.total_pence} pence")
    trailer = (int(utl1[4:17]), int(utl1[17:30]), int(utl1[30:37]), int(utl1[37:44]))
    if trailer != (read.contra_pence, read.total_pence, 1, len(payments)):
        raise BacsError(f"UTL1 totals and counts {trailer} do not match the records")
    return read
