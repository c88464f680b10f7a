"""Words as goflow splits them (utils/text.go TokenizeString) and the word-based case tests and functions.

Vectors from goflow's utils/text_test.go, flows/routers/cases/tests_test.go and the issue's menus.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from upesi.excellent import evaluate_template
from upesi.excellent.env import Environment
from upesi.excellent.functions.words import tokenize_words
from upesi.flows.contact import first_name

from .support import run_case


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # goflow utils/text_test.go TestTokenizeString
        (" one ", ["one"]),
        ("one   two three", ["one", "two", "three"]),
        ("one.two.three", ["one", "two", "three"]),
        ("O'Grady can't foo_bar", ["O'Grady", "can't", "foo_bar"]),
        ("öne.βήταa.thé", ["öne", "βήταa", "thé"]),
        ("واحد اثنين ثلاثة", ["واحد", "اثنين", "ثلاثة"]),
        ("  \t\none(two!*@three ", ["one", "two", "three"]),
        ("spend$£€₠₣₪", ["spend", "$", "£", "€", "₠", "₣", "₪"]),
        ("math+=×÷√∊", ["math", "+", "=", "×", "÷", "√", "∊"]),
        ("emoji😄🏥👪👰😟🧟", ["emoji", "😄", "🏥", "👪", "👰", "😟", "🧟"]),
        ("👍🏿 👨🏼", ["👍", "🏿", "👨", "🏼"]),
        ("ℹ ℹ️", ["ℹ", "ℹ️"]),
        ("ยกเลิก sasa", ["ยกเลิก", "sasa"]),
        ("বাতিল sasa", ["বাতিল", "sasa"]),
        ("ထွက်သွား sasa", ["ထွက်သွား", "sasa"]),
        # the issue: numbers and names split at . , ’ -
        ("1.5", ["1", "5"]),
        ("3,5", ["3", "5"]),
        ("1,2", ["1", "2"]),
        ("don’t", ["don", "t"]),
        ("Jean-Paul", ["Jean", "Paul"]),
        ("2,2., read", ["2", "2", "read"]),
        ("|,", ["|"]),
    ],
)
def test_tokenize(text: str, words: list[str]) -> None:
    assert tokenize_words(text) == words


DMY = Environment(date_format="DD-MM-YYYY")
ARA = Environment(date_format="DD-MM-YYYY", input_collation="arabic_variants")


@pytest.mark.parametrize(
    ("test", "args", "env", "expected"),
    [
        # goflow tests_test.go
        ("has_any_word", ["this.is.my.word", "WORD word2 word"], DMY, "word"),
        ("has_any_word", ["this.is.my.βήτα", "βήτα"], DMY, "βήτα"),
        ("has_any_word", ["I say to you📴", "📴"], DMY, "📴"),
        ("has_any_word", ["this World too", "world"], DMY, "World"),
        ("has_any_word", ["I don't like it", "don't dont"], DMY, "don't"),
        ("has_any_word", ["BUT not this one", "world"], DMY, None),
        ("has_any_word", ["", "world"], DMY, None),
        ("has_any_word", ["بلی", "بلی"], DMY, "بلی"),
        ("has_any_word", ["بلي", "بلی"], DMY, None),
        ("has_any_word", ["بلى", "بلی"], DMY, None),
        ("has_any_word", ["بلی", "بلی"], ARA, "بلی"),
        ("has_any_word", ["بلي", "بلی"], ARA, "بلي"),
        ("has_any_word", ["بلى", "بلی"], ARA, "بلى"),
        ("has_all_words", ["this.is.my.word", "WORD word"], DMY, "word"),
        ("has_all_words", ["this World too", "world too"], DMY, "World too"),
        ("has_all_words", ["BUT not this one", "world"], DMY, None),
        ("has_phrase", ["you Must resist", "must resist"], DMY, "Must resist"),
        ("has_phrase", ["this world Too", "world too"], DMY, "world Too"),
        ("has_phrase", ["this world Too", ""], DMY, ""),
        ("has_phrase", ["this is not world", "this world"], DMY, None),
        ("has_only_phrase", ["Must resist", "must resist"], DMY, "Must resist"),
        ("has_only_phrase", [" world Too ", "world too"], DMY, "world Too"),
        ("has_only_phrase", ["this world Too", ""], DMY, None),
        ("has_only_phrase", ["", ""], DMY, ""),
        ("has_only_phrase", ["this world is my world", "this world"], DMY, None),
        ("has_only_phrase", ["this world", "this mighty"], DMY, None),
        # the menus: symbols are words, and . , split numbers
        ("has_any_word", ["2", "2,2., read"], DMY, "2"),
        ("has_any_word", ["|", "|,"], DMY, "|"),
        ("has_any_word", ["I paid $5", "$"], DMY, "$"),
        ("has_any_word", ["1.5", "5"], DMY, "5"),
        ("has_phrase", ["call Jean-Paul now", "jean paul"], DMY, "Jean Paul"),
        ("has_only_phrase", ["don’t", "don t"], DMY, "don t"),
        # goflow's phrase scan does not retry a mismatched word as the phrase's start
        ("has_phrase", ["a a b", "a b"], DMY, None),
        # no test words: goflow's has_all_words matches nothing, successfully
        ("has_all_words", ["anything", ""], DMY, ""),
    ],
)
def test_word_case_tests(test: str, args: list[str], env: Environment, expected: Any) -> None:
    passed, match = run_case(test, *args, env=env)
    if expected is None:
        assert not passed
    else:
        assert passed and match == expected


@pytest.mark.parametrize(
    ("template", "output"),
    [
        ('@(word("1.5 litres", 1))', "5"),
        ('@(word("Jean-Paul Sartre", 1))', "Paul"),
        ('@(word_count("3,5 don’t $"))', "5"),
        ('@(word_slice("a $ b.c", 1, 3))', "$ b"),
        ('@(remove_first_word("Jean-Paul Sartre"))', "Paul Sartre"),
    ],
)
def test_word_functions(template: str, output: str) -> None:
    out, errors = evaluate_template(template, {}, Environment())
    assert not errors
    assert out == output


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Jean-Paul Sartre", "Jean"),
        ("  Ana  Lu", "Ana"),
        ("O'Grady Sean", "O'Grady"),
        ("", ""),
        ("$ Bob", "$"),
    ],
)
def test_first_name(name: str, first: str) -> None:
    assert first_name(name) == first


def test_word_count_is_a_number() -> None:
    out, _ = evaluate_template('@(word_count("1.5") + 0)', {}, Environment())
    assert Decimal(out) == 2
