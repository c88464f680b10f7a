"""The export file writers on their own: what lands on disk, and nothing left behind when discarded."""

from pathlib import Path

from openpyxl import load_workbook

from web.ui.exports import CsvWriter, XlsxWriter


def test_xlsx_rows_past_the_sheet_limit_go_on_to_another_sheet(tmp_path: Path) -> None:
    writer = XlsxWriter(tmp_path / "people.xlsx", ["Name", "Age"], "Contacts", max_rows=3)
    writer.write([["Ann", 30], ["Bob", None]])
    writer.write([["Cy", 5]])
    writer.close()
    book = load_workbook(tmp_path / "people.xlsx")
    assert book.sheetnames == ["Contacts", "Contacts 2"]
    assert list(book["Contacts"].iter_rows(values_only=True)) == [("Name", "Age"), ("Ann", 30), ("Bob", None)]
    assert list(book["Contacts 2"].iter_rows(values_only=True)) == [("Name", "Age"), ("Cy", 5)]


def test_discarded_files_are_removed(tmp_path: Path) -> None:
    for writer in (
        CsvWriter(tmp_path / "a.csv", ["x"]),
        XlsxWriter(tmp_path / "a.xlsx", ["x"], "S", max_rows=2),
    ):
        writer.write([[1], [2], [3]])
        writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_csv_cells(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    writer = CsvWriter(tmp_path / "a.csv", ["when", "what"])
    writer.write([[datetime(2026, 1, 2, 3, 4, tzinfo=UTC), None], [None, 'say "hi", ok']])
    writer.close()
    assert (tmp_path / "a.csv").read_text().splitlines() == [
        "when,what",
        "2026-01-02T03:04:00+00:00,",
        ',"say ""hi"", ok"',
    ]


def test_discarding_after_a_save_is_harmless(tmp_path: Path) -> None:
    writer = XlsxWriter(tmp_path / "a.xlsx", ["x"], "S")
    writer.write([[1]])
    writer.close()
    writer.discard()  # a build that failed after closing its file still cleans up
    assert list(tmp_path.iterdir()) == []
