import pytest

from mailroom.triggers import TriggerRow, match_keyword, match_type


def trig(
    id_: int,
    keywords: list[str],
    match: str = "F",
    channel: int | None = None,
    include=(),
    exclude=(),
    type_="K",
) -> TriggerRow:
    return TriggerRow(
        id_,
        type_,
        keywords,
        match,
        100 + id_,
        f"uuid-{id_}",
        f"Flow {id_}",
        channel,
        None,
        set(include),
        set(exclude),
    )


@pytest.mark.parametrize(
    ("text", "triggers", "channel", "groups", "expected"),
    [
        ("join", [trig(1, ["join"])], 1, set(), (1, "join")),
        ("JOIN now please", [trig(1, ["join"])], 1, set(), (1, "join")),
        ("Jóin", [trig(1, ["join"])], 1, set(), (1, "jóin")),
        ("join now", [trig(1, ["join"], match="O")], 1, set(), None),
        ("join", [trig(1, ["join"], match="O")], 1, set(), (1, "join")),
        ("  join!", [trig(1, ["join"])], 1, set(), (1, "join")),
        ("rejoin", [trig(1, ["join"])], 1, set(), None),
        ("", [trig(1, ["join"])], 1, set(), None),
        # channel-specific beats general; other channel is excluded
        ("join", [trig(1, ["join"]), trig(2, ["join"], channel=1)], 1, set(), (2, "join")),
        ("join", [trig(1, ["join"]), trig(2, ["join"], channel=5)], 1, set(), (1, "join")),
        # include groups score and exclude; exclude groups
        ("join", [trig(1, ["join"]), trig(2, ["join"], include={7})], 1, {7}, (2, "join")),
        ("join", [trig(2, ["join"], include={7})], 1, {8}, None),
        ("join", [trig(1, ["join"]), trig(2, ["join"], exclude={7})], 1, {7}, (1, "join")),
        ("join", [trig(1, ["join"]), trig(2, ["join"], exclude={7})], 1, set(), (2, "join")),
        # ties go to the first loaded
        ("join", [trig(1, ["join"]), trig(2, ["join"])], 1, set(), (1, "join")),
    ],
)
def test_match_keyword(text, triggers, channel, groups, expected) -> None:  # type: ignore[no-untyped-def]
    found = match_keyword(triggers, text, channel, groups)
    assert (None if found is None else (found[0].id, found[1])) == expected


def test_catch_all_scored_like_keywords() -> None:
    ts = [trig(1, [], type_="C"), trig(2, [], type_="C", channel=3)]
    assert match_type(ts, "C", 3, set()).id == 2  # type: ignore[union-attr]
    assert match_type(ts, "C", 4, set()).id == 1  # type: ignore[union-attr]
    assert match_type(ts, "N", 3, set()) is None
