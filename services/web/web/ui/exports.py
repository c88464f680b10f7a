"""Downloads of tables as CSV or XLSX without holding the table in memory: rows come from an async
iterator (a server-side cursor); CSV is streamed in 64 KB pieces, XLSX goes through openpyxl's
write-only workbook (rows on disk) into a temporary file removed once sent."""

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.responses import Response

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(v: Any) -> Any:
    return "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v)


def _xlsx_cell(v: Any) -> Any:
    if v is None:
        return ""
    if getattr(v, "tzinfo", None) is not None:
        return v.replace(tzinfo=None)  # Excel has no time zones
    return v


async def download(
    header: list[str], rows: AsyncIterator[list[Any]], filename: str, fmt: str, sheet: str = "Sheet"
) -> Response:
    safe = filename.replace('"', "")
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet[:31])
        ws.append(header)
        async for row in rows:
            ws.append([_xlsx_cell(v) for v in row])
        tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
        tmp.close()
        wb.save(tmp.name)
        return FileResponse(
            tmp.name,
            media_type=XLSX_TYPE,
            filename=f"{safe}.xlsx",
            background=BackgroundTask(os.unlink, tmp.name),
        )

    async def pieces() -> AsyncIterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        async for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            if buf.tell() > 64 * 1024:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    return StreamingResponse(
        pieces(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'}
    )
