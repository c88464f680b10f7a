"""The list pages of contacts, runs and messages answer byte for byte what they answered before their
serialisers were rewritten for speed (issue #21 item 5): a fixed workspace (fixed UUIDs, ids and times; phone
numbers of many countries, possible and not; every contact status, deleted contacts, notes, groups, fields of
each type; runs with results, paths and starts; messages with labels, attachments and quick replies) is read
page by page, in the plain and the anonymous workspace, and each answer's body is compared with its SHA-256
taken from the code before the rewrite (page_digests.json next to this file).

A deliberate change of a shape regenerates the digests: UPDATE_PAGE_DIGESTS=1 pytest this file; PAGE_DUMP_DIR=dir
writes each body there, to diff two versions' answers.
"""

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.web.api.conftest import API
from upesi.db.engine import transaction

DIGESTS = Path(__file__).with_name("page_digests.json")
BASE = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
N = 270  # more than a page of 250

PHONES = [
    "+250788123123", "+250722000001", "+12025550123", "+14155552671", "+254712345678", "+447911123456",
    "+2348031234567", "+33612345678", "+919876543210", "+5511987654321", "+256772123456", "+27821234567",
    "+8613800138000", "+61412345678", "+4915112345678", "+250788", "+1234", "+99912345", "12345",
    "+2507881231234567", "+250 78 812 3123", "+263771234567", "+234", "+250781234567",
]  # fmt: skip
OTHER_URNS = [
    ("telegram", "12345678"), ("whatsapp", "250788123123"), ("mailto", "bob@example.com"),
    ("twitter", "bobby"), ("ext", "abc-123"), ("facebook", "1234567890"),
]  # fmt: skip
NUMBERS = [42, 12.5, 0.1, 1e21, -0, 3.0, "7", 100000000000000000000, 123456789012345678901234567890123, True]


def uid(kind: str, i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"upesi-pages/{kind}/{i}"))


def at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


async def seed(org_id: int, user_id: int) -> None:
    async with transaction() as s:

        async def one(sql: str, **values: Any) -> Any:
            return (await s.execute(text(sql), values)).scalar()

        channel = await one(
            "INSERT INTO channels (uuid, org_id, channel_type, name, address, config, schemes, role) "
            "VALUES (:u, :o, 'EX', 'Ex', '+250788000000', '{}', '{tel}', 'SR') RETURNING id",
            u=uid("channel", 0), o=org_id,
        )  # fmt: skip
        tg = await one(
            "INSERT INTO channels (uuid, org_id, channel_type, name, address, config, schemes, role) "
            "VALUES (:u, :o, 'TG', 'Tg', 'bot', '{}', '{telegram}', 'SR') RETURNING id",
            u=uid("channel", 1), o=org_id,
        )  # fmt: skip
        flows = [
            await one(
                "INSERT INTO flows (uuid, org_id, name, flow_type) VALUES (:u, :o, :n, 'M') RETURNING id",
                u=uid("flow", i),
                o=org_id,
                n=f"Flow {i}",
            )
            for i in range(2)
        ]
        groups = [
            await one(
                "INSERT INTO contact_groups (uuid, org_id, name) VALUES (:u, :o, :n) RETURNING id",
                u=uid("group", i),
                o=org_id,
                n=name,
            )
            for i, name in enumerate(("Zeta", "Alpha", "Gone"))
        ]
        await s.execute(text("UPDATE contact_groups SET is_active = false WHERE id = :g"), {"g": groups[2]})
        field_types = [("age", "N"), ("nick", "T"), ("joined", "D"), ("state", "S"), ("district", "I"),
                       ("ward", "W")]  # fmt: skip
        fields = []
        for i, (key, vtype) in enumerate(field_types):
            fields.append(
                await one(
                    "INSERT INTO contact_fields (uuid, org_id, key, name, value_type, priority) "
                    "VALUES (:u, :o, :k, :n, :t, :p) RETURNING uuid",
                    u=uid("field", i),
                    o=org_id,
                    k=key,
                    n=key.title(),
                    t=vtype,
                    p=i % 3,
                )
            )
        labels = [
            await one(
                "INSERT INTO labels (uuid, org_id, name) VALUES (:u, :o, :n) RETURNING id",
                u=uid("label", i),
                o=org_id,
                n=name,
            )
            for i, name in enumerate(("Spam", "Important"))
        ]
        start = await one(
            "INSERT INTO flow_starts (uuid, org_id, flow_id, created_on, modified_on) "
            "VALUES (:u, :o, :f, :t, :t) RETURNING id",
            u=uid("start", 0), o=org_id, f=flows[0], t=at(0),
        )  # fmt: skip
        used: set[str] = set()
        for i in range(N):
            values: dict[str, Any] = {}
            if i % 2 == 0:
                number = NUMBERS[i % len(NUMBERS)]
                values[str(fields[0])] = {"text": str(number), "number": number}
            if i % 3 == 0:
                values[str(fields[1])] = {"text": f"nick {i} ✓"}
            if i % 5 == 0:
                values[str(fields[2])] = {
                    "text": "2026-01-02",
                    "datetime": "2026-01-02T10:00:00.000000+02:00",
                }
            if i % 7 == 0:
                values[str(fields[3])] = {"text": "Kigali", "state": "Rwanda > Kigali City"}
                values[str(fields[4])] = {"text": "Gasabo", "district": "Rwanda > Kigali City > Gasabo"}
                values[str(fields[5])] = {"text": "x", "ward": "Rwanda > Kigali City > Gasabo > Kimihurura"}
            if i % 11 == 0:
                values[str(fields[1])] = {}
            contact = await one(
                "INSERT INTO contacts (uuid, org_id, name, language, status, fields, current_flow_id, "
                "last_seen_on, is_active, created_on, modified_on) VALUES (:u, :o, :n, :l, :s, "
                "CAST(:f AS jsonb), :cf, :seen, :active, :c, :m) RETURNING id",
                u=uid("contact", i), o=org_id, n=None if i % 13 == 0 else f"Contact {i} “q”",
                l=None if i % 4 == 0 else ("eng", "kin", "fra")[i % 3], s="ABSV"[i % 4], f=json.dumps(values),
                cf=flows[i % 2] if i % 6 == 0 else None, seen=at(i * 7.5) if i % 3 else None,
                active=i % 17 != 5, c=at(i * 3), m=at(i * 3 + (i % 4) * 0.5),
            )  # fmt: skip
            for j in range(i % 3):
                scheme, path = (
                    ("tel", PHONES[(i + j) % len(PHONES)]) if j == 0 else OTHER_URNS[i % len(OTHER_URNS)]
                )
                # identities are unique in a workspace: a number seen before gets the contact's number as its
                # last three digits (the same length, so as possible or impossible as before)
                path = path.replace(" ", "") if scheme == "tel" else f"{path}{i}"
                if f"{scheme}:{path}" in used:
                    path = path[:-3] + f"{i % 1000:03d}"
                if f"{scheme}:{path}" in used:
                    continue
                used.add(f"{scheme}:{path}")
                await s.execute(
                    text(
                        "INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, display, priority,"
                        " channel_id) VALUES (:o, :c, :s, :p, :i, :d, :pr, :ch)"
                    ),
                    {"o": org_id, "c": contact, "s": scheme, "p": path, "i": f"{scheme}:{path}",
                     "d": "Bob" if scheme == "twitter" else None, "pr": 1000 - j,
                     "ch": (channel if scheme == "tel" else tg if scheme == "telegram" else None) if i % 2 else None},
                )  # fmt: skip
            for g in groups:
                if (i + g) % 3:
                    await s.execute(
                        text("INSERT INTO contact_group_contacts (group_id, contact_id) VALUES (:g, :c)"),
                        {"g": g, "c": contact},
                    )
            for k in range(7 if i == 3 else 1 if i % 9 == 0 else 0):
                await s.execute(
                    text(
                        "INSERT INTO contact_notes (org_id, contact_id, text, created_by_id, created_on) "
                        "VALUES (:o, :c, :t, :u, :at)"
                    ),
                    {"o": org_id, "c": contact, "t": f"note {k}", "u": user_id if k % 2 == 0 else None,
                     "at": at(i + k)},
                )  # fmt: skip
            results = {}
            if i % 2:
                results["color"] = {"name": "Color", "value": "red", "category": "Red", "node_uuid": uid("node", 1),
                                    "created_on": at(i).isoformat() if i % 4 == 1 else at(i).strftime("%Y-%m-%dT%H:%M:%S.%f789Z"), "input": "red!"}  # fmt: skip
            if i % 5 == 1:
                results["age"] = {"name": "Age", "value": "12", "category": "Other", "node": uid("node", 2),
                                  "time": "not a time"}  # fmt: skip
            if i % 7 == 3:
                results["odd"] = "not a dict"
            await s.execute(
                text(
                    "INSERT INTO flow_runs (uuid, org_id, flow_id, contact_id, session_uuid, start_id, status,"
                    " responded, results, path_nodes, path_times, created_on, modified_on, exited_on) VALUES"
                    " (:u, :o, :f, :c, :su, :st, :status, :r, CAST(:res AS jsonb), CAST(:pn AS uuid[]), :pt,"
                    " :cr, :m, :x)"
                ),
                {"u": uid("run", i), "o": org_id, "f": flows[i % 2], "c": contact, "su": uid("session", i),
                 "st": start if i % 4 == 0 else None, "status": "ACIXFW"[i % 6], "r": i % 3 == 0,
                 "res": json.dumps(results), "pn": [uid("node", k) for k in range(i % 3)],
                 "pt": [at(i + k) for k in range(i % 3)], "cr": at(i * 2), "m": at(i * 2 + (i % 3) * 0.25),
                 "x": at(i * 2 + 1) if i % 6 in (0, 2, 3, 4) else None},
            )  # fmt: skip
            urn_id = await one("SELECT min(id) FROM contact_urns WHERE contact_id = :c", c=contact)
            for d in range(2):
                direction = "IO"[(i + d) % 2]
                status = ("H", "P", "H")[i % 3] if direction == "I" else "QWSDFE"[i % 6]
                msg = await one(
                    "INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, flow_id, text,"
                    " attachments, quick_replies, direction, status, visibility, msg_type, created_on,"
                    " modified_on, sent_on) VALUES (:u, :o, :ch, :c, :urn, :f, :t, :att, :qr, :d, :s, :v,"
                    " :mt, :cr, :m, :sent) RETURNING id",
                    u=uid("msg", i * 2 + d), o=org_id, ch=channel if i % 5 else None, c=contact,
                    urn=urn_id, f=flows[0] if i % 4 == 1 else None, t=f"Message {i}/{d} é",
                    att=(["image/jpeg:https://x.example/a.jpg", "https://x.example/b"] if i % 8 == 0 else []),
                    qr=(["Yes", "No\nextra"] if i % 9 == 0 else []), d=direction, s=status,
                    v="VVAD"[i % 4] if i % 10 else "X", mt="TTOV"[i % 4], cr=at(i * 4 + d), m=at(i * 4 + d + 1),
                    sent=at(i * 4 + d + 2) if status in "WSD" else None,
                )  # fmt: skip
                for lab in labels:
                    if (i + lab) % 4 == 0:
                        await s.execute(
                            text("INSERT INTO msg_labels (msg_id, label_id) VALUES (:m, :l)"),
                            {"m": msg, "l": lab},
                        )


REQUESTS: list[tuple[str, dict[str, str]]] = [
    ("contacts.json", {}),
    ("contacts.json", {"reverse": "true"}),
    ("contacts.json", {"deleted": "true"}),
    ("contacts.json", {"expand_urns": "true"}),
    ("contacts.json", {"expand_urns": "true", "urn_order": "priority"}),
    ("contacts.json", {"group": "Alpha"}),
    ("runs.json", {}),
    ("runs.json", {"paths": "false", "reverse": "true"}),
    ("messages.json", {}),
    ("messages.json", {"folder": "inbox"}),
    ("messages.json", {"folder": "sent"}),
    ("messages.json", {"folder": "archived"}),
]


def keep(name: str, body: bytes) -> None:
    """With PAGE_DUMP_DIR set, each body is written there too, to diff two versions' answers."""
    if folder := os.environ.get("PAGE_DUMP_DIR"):
        safe = "".join(c if c.isalnum() else "_" for c in name)
        Path(folder, safe + ".json").write_bytes(body)


async def answers(api: API, label: str) -> dict[str, str]:
    """SHA-256 of each page's body, following `next` to the end and `previous` back from the last page."""
    out = {}
    for path, params in REQUESTS:
        name = f"{label} {path}?" + "&".join(f"{k}={v}" for k, v in params.items())
        r = await api.get(path, **params)
        page = 0
        while True:
            assert r.status_code == 200, r.text
            out[f"{name} #{page}"] = hashlib.sha256(r.content).hexdigest()
            keep(f"{name} #{page}", r.content)
            nxt = r.json()["next"]
            if not nxt:
                break
            r = await api.client.get(nxt, headers=api.headers())
            page += 1
        prev = r.json()["previous"]
        if prev:
            back = await api.client.get(prev, headers=api.headers())
            assert back.status_code == 200, back.text
            out[f"{name} #{page} previous"] = hashlib.sha256(back.content).hexdigest()
            keep(f"{name} #{page} previous", back.content)
    return out


async def test_list_pages_answer_what_they_did(api: API) -> None:
    await seed(api.ws.org_id, api.ws.user_id)
    got = await answers(api, "plain")
    async with transaction() as s:
        await s.execute(text("UPDATE orgs SET is_anon = true WHERE id = :o"), {"o": api.ws.org_id})
    got |= await answers(api, "anon")
    if os.environ.get("UPDATE_PAGE_DIGESTS") == "1":
        DIGESTS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    expected = json.loads(DIGESTS.read_text())
    assert got == expected
