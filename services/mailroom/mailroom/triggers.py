"""Which trigger, if any, a message or channel event fires: the reference's keyword matching and scoring."""

import unicodedata
from dataclasses import dataclass, field

import regex
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_WORD = regex.compile(r"[\p{L}\p{N}\p{M}_]+")


@dataclass
class TriggerRow:
    id: int
    trigger_type: str
    keywords: list[str]
    match_type: str | None
    flow_id: int
    flow_uuid: str
    flow_name: str
    channel_id: int | None
    referrer_id: str | None
    include_groups: set[int] = field(default_factory=set)
    exclude_groups: set[int] = field(default_factory=set)


def words(text_: str) -> list[str]:
    return _WORD.findall(text_ or "")


def _fold(word: str) -> str:
    """Case- and accent-insensitive comparison, as the reference's collation does."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _score(t: TriggerRow, channel_id: int | None, contact_groups: set[int]) -> int | None:
    """The reference's scoring; None when the trigger is excluded for this contact or channel."""
    score = 0
    if t.channel_id is not None:
        if t.channel_id != channel_id:
            return None
        score += 4
    if t.include_groups:
        if not t.include_groups & contact_groups:
            return None
        score += 2
    if t.exclude_groups:
        if t.exclude_groups & contact_groups:
            return None
        score += 1
    return score


def best(candidates: list[TriggerRow], channel_id: int | None, contact_groups: set[int]) -> TriggerRow | None:
    scored = [
        (s, i, t)
        for i, t in enumerate(candidates)
        if (s := _score(t, channel_id, contact_groups)) is not None
    ]
    if not scored:
        return None
    # highest score wins; ties go to the trigger loaded first
    return max(scored, key=lambda x: (x[0], -x[1]))[2]


def match_keyword(
    triggers: list[TriggerRow], msg_text: str, channel_id: int | None, contact_groups: set[int]
) -> tuple[TriggerRow, str] | None:
    """The keyword trigger for this message (and the keyword), else None."""
    tokens = words(msg_text)
    if not tokens:
        return None
    first = _fold(tokens[0])
    candidates = [
        t
        for t in triggers
        if t.trigger_type == "K"
        and any(_fold(k) == first for k in t.keywords)
        and (t.match_type != "O" or len(tokens) == 1)
    ]
    winner = best(candidates, channel_id, contact_groups)
    return (winner, tokens[0].lower()) if winner else None


def match_type(
    triggers: list[TriggerRow], trigger_type: str, channel_id: int | None, contact_groups: set[int]
) -> TriggerRow | None:
    return best([t for t in triggers if t.trigger_type == trigger_type], channel_id, contact_groups)


async def load_triggers(db: AsyncSession, org_id: int) -> list[TriggerRow]:
    rows = await db.execute(
        text(
            """
            SELECT t.id, t.trigger_type, t.keywords, t.match_type, t.flow_id, f.uuid::text AS flow_uuid, f.name AS flow_name,
                   t.channel_id, t.referrer_id,
                   ARRAY(SELECT group_id FROM trigger_groups g WHERE g.trigger_id = t.id) AS include_groups,
                   ARRAY(SELECT group_id FROM trigger_exclude_groups g WHERE g.trigger_id = t.id) AS exclude_groups
            FROM triggers t JOIN flows f ON f.id = t.flow_id
            WHERE t.org_id = :org AND t.is_active AND NOT t.is_archived AND t.trigger_type <> 'S'
                  AND f.is_active AND NOT f.is_archived
            ORDER BY t.id
            """
        ),
        {"org": org_id},
    )
    return [
        TriggerRow(
            id=r.id,
            trigger_type=r.trigger_type,
            keywords=list(r.keywords or []),
            match_type=r.match_type,
            flow_id=r.flow_id,
            flow_uuid=r.flow_uuid,
            flow_name=r.flow_name,
            channel_id=r.channel_id,
            referrer_id=r.referrer_id,
            include_groups=set(r.include_groups),
            exclude_groups=set(r.exclude_groups),
        )
        for r in rows
    ]
