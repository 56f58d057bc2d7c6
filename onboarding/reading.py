"""Reading a legacy export, CSV or XLSX, one row at a time (memory does not grow with the file).

The file's type is decided by its content, not its name. Anything that stops the file being read
as a whole raises ``FileProblem`` with a message an HR officer can act on.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

csv.field_size_limit(64 * 1024)  # one cell; a larger one is a broken file, not a long address

DELIMITER_NAMES = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


class FileProblem(Exception):
    """The file as a whole cannot be imported; ``row`` is where it was found (0: the file itself)."""

    def __init__(self, message: str, *, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass
class Sheet:
    """The rows of a file: the heading row, then data rows as ``(row_number, cells)``."""

    file_format: str
    headings: list[str]
    rows: Iterator[tuple[int, list[str]]]
    notes: list[str] = field(default_factory=list)


def sniff_format(head: bytes) -> str:
    """"xlsx" or "csv" from the first bytes, or FileProblem for files that are neither."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("This is an old-style Excel (.xls) file. Save it as an Excel workbook (.xlsx) or as "
                          "CSV UTF-8, then upload it again.")
    if head.startswith(b"%PDF"):
        raise FileProblem("This is a PDF. Upload the export as CSV or as an Excel workbook (.xlsx).")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem("The file is saved as UTF-16 text. Save it as CSV UTF-8 (comma delimited), then upload "
                          "it again.")
    if b"\x00" in head:
        raise FileProblem("This is not a text file. Upload the export as CSV or as an Excel workbook (.xlsx).")
    return "csv"


def open_sheet(path: Path, *, max_rows: int) -> Sheet:
    with path.open("rb") as probe:
        head = probe.read(4096)
    if not head:
        raise FileProblem("The file is empty.")
    file_format = sniff_format(head)
    sheet = _open_xlsx(path) if file_format == "xlsx" else _open_csv(path)
    sheet.rows = _limited(sheet.rows, max_rows)
    return sheet


def _limited(rows: Iterator[tuple[int, list[str]]], max_rows: int) -> Iterator[tuple[int, list[str]]]:
    for count, row in enumerate(rows, start=1):
        if count > max_rows:
            raise FileProblem(f"The file has more than {max_rows:,} rows, the most one import takes. Split it "
                              "into smaller files.", row=row[0])
        yield row


# --- CSV ------------------------------------------------------------------------------------------


def _decoded_lines(binary: IO[bytes]) -> Iterator[str]:
    """UTF-8 text (a byte-order mark is dropped), failing with the line the bad bytes are on."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line_number = 1
    pending = ""
    for chunk in iter(lambda: binary.read(256 * 1024), b""):
        try:
            text = pending + decoder.decode(chunk)
        except UnicodeDecodeError:
            bad_line = line_number + pending.count("\n") + _line_of_bad_byte(chunk)
            raise FileProblem(
                f"The file is not saved as UTF-8 text (around line {bad_line}). In Excel choose \"Save as\" and "
                "\"CSV UTF-8 (comma delimited)\", then upload it again.", row=bad_line) from None
        lines = text.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        for line in lines:
            line_number += 1
            yield line
    try:
        tail = pending + decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileProblem("The file is not saved as UTF-8 text (it ends part-way through a character).") from None
    if tail:
        yield tail


def _line_of_bad_byte(chunk: bytes) -> int:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as error:
        return chunk[: error.start].count(b"\n")
    return 0


def _open_csv(path: Path) -> Sheet:
    binary = path.open("rb")
    lines = _decoded_lines(binary)
    reader = csv.reader(lines, strict=False)

    def records() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as error:
            raise FileProblem(f"Row {reader.line_num} cannot be read as CSV ({error}). Check for stray quote marks.",
                              row=reader.line_num) from None
        finally:
            binary.close()

    stream = records()
    headings = next(stream, None)
    while headings is not None and not any(cell.strip() for cell in headings):
        headings = next(stream, None)  # blank lines before the heading row
    if headings is None:
        raise FileProblem("The file has no heading row and no data.")
    if len(headings) == 1:
        for delimiter, name in DELIMITER_NAMES.items():
            if delimiter in headings[0]:
                raise FileProblem(f"The columns are separated by {name}, not commas. Export the file as CSV with "
                                  "commas between columns (in Excel: \"CSV UTF-8 (comma delimited)\").", row=1)

    # Rows are numbered as a spreadsheet shows them: a quoted line break does not start a new row.
    return Sheet(file_format="csv", headings=[cell.strip() for cell in headings], rows=enumerate(stream, start=2))


# --- XLSX -----------------------------------------------------------------------------------------

_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(path: Path, sheet_index: int) -> list[str]:
    """Merged cells of the first sheet, found in its XML without loading it all."""
    with zipfile.ZipFile(path) as archive:
        name = f"xl/worksheets/sheet{sheet_index}.xml"
        if name not in archive.namelist():
            return []
        found: list[str] = []
        tail = b""
        with archive.open(name) as xml:
            for chunk in iter(lambda: xml.read(1024 * 1024), b""):
                window = tail + chunk
                found.extend(match.decode() for match in _MERGE.findall(window))
                tail = window[-200:]
        return sorted(set(found))


def _open_xlsx(path: Path) -> Sheet:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # A file object, not a path: openpyxl would judge a path by its extension, not its content.
        workbook = load_workbook(path.open("rb"), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise FileProblem(f"The file looks like an Excel workbook but cannot be opened ({error}). Save it again "
                          "as .xlsx or CSV UTF-8.") from None
    notes: list[str] = []
    sheets = workbook.sheetnames
    if not sheets:
        raise FileProblem("The workbook has no sheets.")
    worksheet = workbook[sheets[0]]
    if len(sheets) > 1:
        notes.append(f"The workbook has {len(sheets)} sheets; only the first, \"{sheets[0]}\", was read.")
    merged = _merged_ranges(path, 1)
    if merged:
        workbook.close()
        shown = ", ".join(merged[:5]) + (" and more" if len(merged) > 5 else "")
        raise FileProblem(f"The sheet \"{sheets[0]}\" has merged cells ({shown}). Unmerge them so each row has its "
                          "own values, then upload the file again.")
    rows = worksheet.iter_rows(values_only=True)

    def cells_of(values: tuple[Any, ...]) -> list[str]:
        return [_cell_text(value) for value in values]

    headings: list[str] | None = None
    number = 0
    for values in rows:
        number += 1
        cells = cells_of(values)
        if any(cell.strip() for cell in cells):
            headings = cells
            break
    if headings is None:
        workbook.close()
        raise FileProblem("The workbook's first sheet is empty.")
    while headings and not headings[-1].strip():
        headings.pop()
    heading_row = number

    def numbered() -> Iterator[tuple[int, list[str]]]:
        width = len(headings)
        try:
            for row_number, values in enumerate(rows, start=heading_row + 1):
                cells = cells_of(values)
                # Spreadsheets drop trailing empty cells or keep formatted empty ones: neither is a problem.
                if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
                    cells = cells[:width]
                yield row_number, cells + [""] * (width - len(cells))
        finally:
            workbook.close()

    return Sheet(file_format="xlsx", headings=[cell.strip() for cell in headings], rows=numbered(), notes=notes)


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV export would hold: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(str(value)))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def count_lines(path: Path) -> int:
    """A quick estimate of the data rows in a CSV, for the progress bar (quoted line breaks overcount)."""
    with path.open("rb") as binary:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: binary.read(1024 * 1024), b"")) - 1)


