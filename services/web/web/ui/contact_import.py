"""Importing contacts from a CSV or XLSX file in RapidPro's layout: columns `URN:<scheme>` (or `Phone`),
`Name`, `Language` and `Field:<name>`; new fields are created as text. A row whose URN belongs to a
contact updates that contact. Rows are checked one by one and the page lists every refused row with its
reason; the good rows are imported. Smart groups are brought up to date for the contacts touched."""

import csv
import io
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from sqlalchemy import insert, select
from starlette.responses import Response

from upesi.db.models import Contact, ContactField, ContactGroup, ContactURN, contact_group_contacts
from upesi.db.ops.smart_groups import refresh_contacts_groups
from upesi.urns import URNError, parse_urn
from web.mailroom_tasks import contacts_changed
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.render import render

router = APIRouter()
MAX_ROWS = 50_000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)


def read_rows(filename: str, data: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _value(value_type: str, text: str) -> dict[str, Any]:
    from web.api.v2.field_values import parse_value  # the same stored shapes the API writes

    return parse_value(value_type, text) or {"text": text}


async def _fields(ctx: Ctx, header: list[str]) -> dict[int, ContactField]:
    """Columns `Field:<name>` mapped to fields, created as text fields when new."""
    existing = {
        f.key: f
        for f in (
            await ctx.db.execute(
                select(ContactField).where(ContactField.org_id == ctx.org.id, ContactField.is_active)
            )
        ).scalars()
    }
    by_column: dict[int, ContactField] = {}
    for i, col in enumerate(header):
        if col.lower().startswith("field:"):
            name = col.split(":", 1)[1].strip()
            key = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")[:36]
            if not key:
                continue
            if key not in existing:
                existing[key] = ContactField(
                    uuid=str(uuidlib.uuid4()), org_id=ctx.org.id, key=key, name=name[:36], value_type="T"
                )
                ctx.db.add(existing[key])
            by_column[i] = existing[key]
    await ctx.db.flush()
    return by_column


async def import_rows(ctx: Ctx, rows: list[list[str]], group: ContactGroup | None) -> ImportReport:
    report = ImportReport()
    if not rows:
        report.errors.append((0, "The file is empty"))
        return report
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    urn_cols = [(i, "tel" if h in ("phone", "phone number") else h.split(":", 1)[1].strip().lower())
                for i, h in enumerate(lower) if h.startswith("urn:") or h in ("phone", "phone number")]  # fmt: skip
    if not urn_cols:
        report.errors.append((1, "The header needs at least one URN column, e.g. URN:Tel"))
        return report
    name_col = lower.index("name") if "name" in lower else None
    lang_col = lower.index("language") if "language" in lower else None
    fields = await _fields(ctx, header)
    touched: list[int] = []
    for number, row in enumerate(rows[1 : MAX_ROWS + 1], start=2):
        row = row + [""] * (len(header) - len(row))
        try:
            identities = [
                parse_urn(f"{scheme}:{row[i].strip()}", country=ctx.org.country)
                for i, scheme in urn_cols
                if row[i].strip()
            ]
        except (URNError, ValueError) as e:
            report.errors.append((number, str(e)))
            continue
        if not identities:
            report.errors.append((number, "No URN in this row"))
            continue
        owners = (
            (
                await ctx.db.execute(
                    select(ContactURN).where(
                        ContactURN.org_id == ctx.org.id,
                        ContactURN.identity.in_([u.identity for u in identities]),
                    )
                )
            )
            .scalars()
            .all()
        )
        contact_ids = {u.contact_id for u in owners if u.contact_id}
        if len(contact_ids) > 1:
            report.errors.append((number, "These URNs belong to different contacts"))
            continue
        if contact_ids:
            contact = (
                await ctx.db.execute(select(Contact).where(Contact.id == contact_ids.pop()))
            ).scalar_one()
            report.updated += 1
        else:
            contact = Contact(uuid=str(uuidlib.uuid4()), org_id=ctx.org.id)
            ctx.db.add(contact)
            await ctx.db.flush()
            report.created += 1
        known = {u.identity for u in owners}
        for urn in identities:
            if urn.identity not in known:
                ctx.db.add(
                    ContactURN(
                        org_id=ctx.org.id,
                        contact_id=contact.id,
                        scheme=urn.scheme,
                        path=urn.path,
                        identity=urn.identity,
                    )
                )
        if name_col is not None and row[name_col].strip():
            contact.name = row[name_col].strip()[:128]
        if lang_col is not None and len(row[lang_col].strip()) == 3:
            contact.language = row[lang_col].strip().lower()
        values = dict(contact.fields or {})
        for i, f in fields.items():
            if row[i].strip():
                values[f.uuid] = _value(f.value_type, row[i].strip())
        contact.fields = values
        touched.append(contact.id)
    await ctx.db.flush()
    if group is not None and touched:
        present = set(
            (
                await ctx.db.execute(
                    select(contact_group_contacts.c.contact_id).where(
                        contact_group_contacts.c.group_id == group.id
                    )
                )
            ).scalars()
        )
        new = [
            {"group_id": group.id, "contact_id": cid} for cid in dict.fromkeys(touched) if cid not in present
        ]
        if new:
            await ctx.db.execute(insert(contact_group_contacts), new)
    if touched:
        await refresh_contacts_groups(ctx.db, ctx.org.id, list(dict.fromkeys(touched)))
    report.contact_ids = list(dict.fromkeys(touched))
    return report


@router.get("/contact/import/")
async def import_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require("contact_edit")
    return render(request, "contacts/import.html", {"ctx": ctx, "report": None})


@router.post("/contact/import/", dependencies=[Csrf])
async def import_submit(
    request: Request, ctx: CtxDep, file: UploadFile, group_name: Annotated[str, Form()] = ""
) -> Response:
    ctx.require("contact_edit")
    try:
        rows = read_rows(file.filename or "", await file.read())
    except Exception as e:  # a file we cannot read at all is one error for the whole file
        report = ImportReport(errors=[(0, f"This file could not be read: {e}")])
        return render(request, "contacts/import.html", {"ctx": ctx, "report": report}, 400)
    group = None
    if group_name.strip():
        group = (
            await ctx.db.execute(
                select(ContactGroup).where(
                    ContactGroup.org_id == ctx.org.id, ContactGroup.name == group_name.strip()
                )
            )
        ).scalar_one_or_none()
        if group is None:
            group = ContactGroup(uuid=str(uuidlib.uuid4()), org_id=ctx.org.id, name=group_name.strip()[:64])
            ctx.db.add(group)
            await ctx.db.flush()
    report = await import_rows(ctx, rows, group)
    await ctx.db.commit()
    await contacts_changed(ctx.org.id, report.contact_ids)  # campaign fires for the new and updated contacts
    return render(request, "contacts/import.html", {"ctx": ctx, "report": report, "group": group})
