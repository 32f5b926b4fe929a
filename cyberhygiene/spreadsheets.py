"""Spreadsheet files for trainers: ``.xlsx`` (openpyxl) and ``.csv``, from the same tables.

Cells arrive already made safe against formula injection by the caller (one function in
:mod:`cyberhygiene.sessions`), so these writers only format. Numbers stay numbers, text stays
text (no "2/7" that a spreadsheet turns into a date), times are UTC and say so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

Cell = str | int | float | dt.datetime | None

# openpyxl refuses control characters in cell text (XML 1.0 cannot hold them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TIME_FORMAT = 'yyyy-mm-dd hh:mm "UTC"'
HEADER_FILL = "DDE6F0"
RIGHT_FILL = "D5F0D5"
WRONG_FILL = "F8D7D3"


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    # (row index, column index) -> True (right, green) / False (wrong, red); optional colouring
    marks: dict[tuple[int, int], bool] | None = None
    widths: Sequence[int] = ()


def utc(ts: float | None) -> dt.datetime | None:
    """A Unix time as a naive datetime in UTC (spreadsheets have no zones; headers say UTC)."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).replace(tzinfo=None) if ts else None


def _csv_value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def csv_bytes(sheet: Sheet) -> bytes:
    """The sheet as CSV, UTF-8 with a BOM so spreadsheets read the accents."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sheet.header)
    for row in sheet.rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per :class:`Sheet`, header row bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(_ILLEGAL.sub("", sheet.title)[:31] or "Sheet")
        ws.append([_ILLEGAL.sub("", h) for h in sheet.header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(sheet.rows, start=2):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c)
                if isinstance(value, str):
                    cell.value = _ILLEGAL.sub("", value)
                    cell.data_type = "s"  # text is text, never a formula or a date
                else:
                    cell.value = value
                if isinstance(value, dt.datetime):
                    cell.number_format = TIME_FORMAT
                mark = (sheet.marks or {}).get((r - 2, c - 1))
                if mark is not None:
                    cell.fill = PatternFill("solid", fgColor=RIGHT_FILL if mark else WRONG_FILL)
        for c, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
