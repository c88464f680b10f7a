"""Export files written a batch of rows at a time, so memory stays bounded whatever the row count: CSV
through the csv module straight to disk, XLSX through openpyxl's write-only workbook (rows go to a
temporary file on disk, the workbook is zipped when closed). Writers are synchronous (CPU and disk);
the worker runs them in a thread so the web process keeps answering pages."""

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": "text/csv", "xlsx": XLSX_TYPE}


class RowWriter(Protocol):
    def write(self, rows: Sequence[Sequence[Any]]) -> None: ...

    def close(self) -> None: ...

    def discard(self) -> None: ...


def _csv_cell(v: Any) -> Any:
    return "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v)


def _xlsx_cell(v: Any) -> Any:
    if v is None:
        return ""
    if getattr(v, "tzinfo", None) is not None:
        return v.replace(tzinfo=None)  # Excel has no time zones
    return v


class CsvWriter:
    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self._file = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file)
        self._csv.writerow(header)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self._csv.writerows([_csv_cell(v) for v in row] for row in rows)
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class XlsxWriter:
    MAX_ROWS = 1_048_576  # Excel's limit per sheet, the header included

    def __init__(self, path: Path, header: list[str], sheet: str, max_rows: int = MAX_ROWS) -> None:
        from openpyxl import Workbook

        self.path = path
        self._wb = Workbook(write_only=True)
        self._header, self._sheet, self._max_rows = header, sheet, max_rows
        self._sheets: list[Any] = []
        self._new_sheet()

    def _new_sheet(self) -> None:
        """Rows past Excel's limit go on to another sheet ("Contacts 2"), as RapidPro does."""
        number = len(self._sheets) + 1
        name = self._sheet[:31] if number == 1 else f"{self._sheet[:26]} {number}"
        self._ws = self._wb.create_sheet(name)
        self._ws.append(self._header)
        self._sheets.append(self._ws)
        self._rows_in_sheet = 1

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            if self._rows_in_sheet >= self._max_rows:
                self._new_sheet()
            self._ws.append([_xlsx_cell(v) for v in row])
            self._rows_in_sheet += 1

    def close(self) -> None:
        self._wb.save(self.path)

    def discard(self) -> None:
        # the rows so far sit in openpyxl's temporary file until a save; finish and remove it unsaved
        for ws in self._sheets:
            if not ws.closed:
                ws.close()
            writer = getattr(ws, "_writer", None)
            if writer is not None and isinstance(writer.out, str) and os.path.exists(writer.out):
                writer.cleanup()
        self.path.unlink(missing_ok=True)


def open_writer(fmt: str, path: Path, header: list[str], sheet: str) -> RowWriter:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return XlsxWriter(path, header, sheet)
    return CsvWriter(path, header)
