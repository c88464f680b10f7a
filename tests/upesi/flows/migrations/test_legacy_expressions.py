"""Legacy expression migration, as goflow migrates them.

The vectors are goflow's (flows/definition/legacy/expressions/migrate_test.go and functions_test.go at
9b9f13a): each is (legacy template, migrated template[, default-to-self]). goflow also checks each
vector embedded in text and repeated, which we do too.
"""

from __future__ import annotations

import pytest

from upesi.flows.migrations.legacy_expressions import (
    migrate_legacy_template,
    migrate_string_literal,
    migrate_template_with_errors,
)

TEMPLATES = [
    # contact variables
    ("@contact", "@contact", False),
    ("@CONTACT", "@contact", False),
    ("@contact.uuid", "@contact.uuid", False),
    ("@contact.id", "@contact.id", False),
    ("@contact.name", "@contact.name", False),
    ("@contact.NAME", "@contact.name", False),
    ("@contact.first_name", "@contact.first_name", False),
    ("@contact.gender", "@fields.gender", False),
    ("@contact.groups", '@(join(contact.groups, ","))', False),
    ("@contact.language", "@contact.language", False),
    ("@contact.created_on", "@contact.created_on", False),
    # contact URN variables
    ("@contact.tel", "@(format_urn(urns.tel))", False),
    ("@contact.tel.display", "@(format_urn(urns.tel))", False),
    ("@contact.tel.scheme", "@(urn_parts(urns.tel).scheme)", False),
    ("@contact.tel.path", "@(urn_parts(urns.tel).path)", False),
    ("@contact.tel.urn", "@urns.tel", False),
    ("@contact.tel_e164", '@(default(urn_parts(urns.tel).path, ""))', False),
    ("@contact.twitterid", '@(default(urn_parts(urns.twitterid).path, ""))', False),
    ("@contact.mailto", '@(default(urn_parts(urns.mailto).path, ""))', False),
    # run variables
    ("@flow", "@results", False),
    ("@flow.favorite_color", "@results.favorite_color", False),
    ("@flow.favorite_color.category", "@results.favorite_color.category_localized", False),
    ("@flow.favorite_color.text", "@results.favorite_color.input", False),
    ("@flow.favorite_color.time", "@results.favorite_color.created_on", False),
    ("@flow.favorite_color.value", "@results.favorite_color.value", False),
    ("@flow.2factor", '@(results["2factor"])', False),
    ("@flow.2factor.value", '@(results["2factor"].value)', False),
    ("@flow.1", '@(results["1"])', False),
    ("@(flow.1337)", '@(results["1337"])', False),
    ("@(flow.1337.value)", '@(results["1337"].value)', False),
    ("@(flow.1337.category)", '@(results["1337"].category_localized)', False),
    ("@flow.contact", "@contact", False),
    ("@flow.contact.name", "@contact.name", False),
    ("@flow.contact.age", "@fields.age", False),
    ("@child", "@child.results", False),
    ("@child.age", "@child.results.age", False),
    ("@child.age.value", "@child.results.age.value", False),
    ("@child.age.category", "@child.results.age.category_localized", False),
    ("@child.age.text", "@child.results.age.input", False),
    ("@child.age.time", "@child.results.age.created_on", False),
    ("@child.contact", "@child.contact", False),
    ("@child.contact.name", "@child.contact.name", False),
    ("@child.contact.age", "@child.fields.age", False),
    ("@parent", "@parent.results", False),
    ("@parent.role", "@parent.results.role", False),
    ("@parent.role.value", "@parent.results.role.value", False),
    ("@parent.role.category", "@parent.results.role.category_localized", False),
    ("@parent.role.text", "@parent.results.role.input", False),
    ("@parent.role.time", "@parent.results.role.created_on", False),
    ("@parent.contact", "@parent.contact", False),
    ("@parent.contact.name", "@parent.contact.name", False),
    ("@parent.contact.groups", '@(join(parent.contact.groups, ","))', False),
    ("@parent.contact.gender", "@parent.fields.gender", False),
    ("@parent.contact.tel", "@(format_urn(parent.urns.tel))", False),
    ("@parent.contact.tel.display", "@(format_urn(parent.urns.tel))", False),
    ("@parent.contact.tel.scheme", "@(urn_parts(parent.urns.tel).scheme)", False),
    ("@parent.contact.tel.path", "@(urn_parts(parent.urns.tel).path)", False),
    ("@parent.contact.tel.urn", "@parent.urns.tel", False),
    ("@parent.contact.tel_e164", '@(default(urn_parts(parent.urns.tel).path, ""))', False),
    ("@parent.contact.twitterid", '@(default(urn_parts(parent.urns.twitterid).path, ""))', False),
    # input
    ("@step", "@input", False),
    ("@step.value", "@input", False),
    ("@step.text", "@input.text", False),
    ("@step.attachments", '@(foreach(foreach(input.attachments, attachment_parts), extract, "url"))', False),
    ("@step.attachments.0", "@(attachment_parts(input.attachments[0]).url)", False),
    ("@step.attachments.10", "@(attachment_parts(input.attachments[10]).url)", False),
    ("@step.time", "@input.created_on", False),
    ("@step.contact", "@contact", False),
    ("@step.contact.name", "@contact.name", False),
    ("@step.contact.age", "@fields.age", False),
    # dates
    ("@date", "@(now())", False),
    ("@date.now", "@(now())", False),
    ("@date.today", "@(format_date(today()))", False),
    ("@date.tomorrow", '@(format_date(datetime_add(now(), 1, "D")))', False),
    ("@date.yesterday", '@(format_date(datetime_add(now(), -1, "D")))', False),
    # channel
    ("@channel", "@contact.channel.address", False),
    ("@channel.address", "@contact.channel.address", False),
    ("@channel.tel", "@contact.channel.address", False),
    ("@channel.tel_e164", "@contact.channel.address", False),
    ("@channel.name", "@contact.channel.name", False),
    # extra
    ("@extra", "@legacy_extra", False),
    ("@extra.address.state", "@legacy_extra.address.state", False),
    ("@extra.results.1", '@(legacy_extra.results["1"])', False),
    ("@extra.flow.role", "@parent.results.role", False),
    # variables in parens
    ("@(contact.tel)", "@(format_urn(urns.tel))", False),
    ("@(contact.gender)", "@fields.gender", False),
    ("@(flow.favorite_color)", "@results.favorite_color", False),
    # booleans
    ("@(TRUE)", "@(true)", False),
    ("@(False)", "@(false)", False),
    ("@(TRUE())", "@(true)", False),
    ("@(FALSE())", "@(false)", False),
    # arithmetic
    ("@(1 + 2)", "@(1 + 2)", False),
    ("@(1 - 2)", "@(1 - 2)", False),
    ("@(-2)", "@(-2)", False),
    ("@(2 ^ 4)", "@(2 ^ 4)", False),
    ("@(2 * 4)", "@(2 * 4)", False),
    ("@(2 / 4)", "@(2 / 4)", False),
    # comparisons
    ("@(1 = 4)", "@(1 = 4)", False),
    ("@(1 <> 4)", "@(1 != 4)", False),
    ("@(1 < 4)", "@(1 < 4)", False),
    ("@(1 <= 4)", "@(1 <= 4)", False),
    ("@(1 > 4)", "@(1 > 4)", False),
    ("@(1 >= 4)", "@(1 >= 4)", False),
    # strings
    ('@("")', "", False),
    ('@(" ")', '@(" ")', False),
    ('@(" "" ")', '@(" \\" ")', False),
    ('@("you" & " are " & contact.gender)', '@("you" & " are " & fields.gender)', False),
    # number+number addition/subtraction should stay as addition/subtraction
    ("@(5 + 4)", "@(5 + 4)", False),
    ("@(5 - 4)", "@(5 - 4)", False),
    ("@(ABS(5) + MOD(7, 2))", "@(abs(5) + mod(7, 2))", False),
    # datetime+number addition should get converted to datetime_add
    ("@(date.now + 5)", '@(datetime_add(now(), 5, "D"))', False),
    ("@(now() + 5)", '@(datetime_add(now(), 5, "D"))', False),
    ("@(date + 5)", '@(datetime_add(now(), 5, "D"))', False),
    ("@(date.now + 5 + contact.age)", '@(legacy_add(datetime_add(now(), 5, "D"), fields.age))', False),
    # datetime+time addition should get converted to datetime_add
    (
        "@(date.now + TIME(2, 30, 0))",
        '@(datetime_add(now(), format_time(time_from_parts(2, 30, 0), "tt") * 60 + format_time(time_from_parts(2, 30, 0), "m"), "m"))',
        False,
    ),
    (
        "@(date.now - TIME(2, 30, 0))",
        '@(datetime_add(now(), -(format_time(time_from_parts(2, 30, 0), "tt") * 60 + format_time(time_from_parts(2, 30, 0), "m")), "m"))',
        False,
    ),
    # date+number addition should get converted to format_date(datetime_add(...))
    ("@(date.today + 5)", '@(format_date(datetime_add(format_date(today()), 5, "D")))', False),
    (
        "@(date.yesterday - 5)",
        '@(format_date(datetime_add(format_date(datetime_add(now(), -1, "D")), -5, "D")))',
        False,
    ),
    (
        "@(date.tomorrow - 3 + 10)",
        '@(format_date(datetime_add(format_date(datetime_add(format_date(datetime_add(now(), 1, "D")), -3, "D")), 10, "D")))',
        False,
    ),
    # date+time addition should get converted to replace_time
    ("@(today() + TIME(15, 30, 0))", "@(replace_time(today(), time_from_parts(15, 30, 0)))", False),
    ('@(TODAY()+TIMEVALUE("10:30"))', '@(replace_time(today(), time("10:30")))', False),
    (
        '@(DATEVALUE(date.today) + TIMEVALUE(CONCATENATE(flow.time_input, ":00")))',
        '@(replace_time(date(format_date(today())), time(results.time_input & ":00")))',
        False,
    ),
    (
        "@(contact.join_date + TIME(2, 30, 0))",
        "@(replace_time(fields.join_date, time_from_parts(2, 30, 0)))",
        False,
    ),
    # legacy_add permutations
    ("@(contact.age + 5)", "@(legacy_add(fields.age, 5))", False),
    (
        "@(contact.join_date + 5 + contact.age)",
        "@(legacy_add(legacy_add(fields.join_date, 5), fields.age))",
        False,
    ),
    ("@(contact.age + 100 - 5)", "@(legacy_add(legacy_add(fields.age, 100), -5))", False),
    ("@((5 + contact.age) / 2)", "@((legacy_add(5, fields.age)) / 2)", False),
    (
        '@((DATEDIF(DATEVALUE("1970-01-01"), date.now, "D") * 24 * 60 * 60) + ((((HOUR(date.now)+7) * 60) + MINUTE(date.now)) * 60))',
        '@(legacy_add((datetime_diff(date("1970-01-01"), now(), "D") * 24 * 60 * 60), ((legacy_add(((legacy_add(format_datetime(now(), "tt"), 7)) * 60), format_datetime(now(), "m"))) * 60)))',
        False,
    ),
    # expressions that should default to themselves on error
    ('@("hello")', '@(if(is_error("hello"), "@(\\"hello\\")", "hello"))', True),
    ("@extra.exists", '@(if(is_error(legacy_extra.exists), "@extra.exists", legacy_extra.exists))', True),
    # non-expressions
    ("bob@nyaruka.com", "bob@nyaruka.com", False),
    ("@twitter_handle", "@twitter_handle", False),
    # misc edge cases
    ("@", "@", False),
    ("@contact.name...?", "@contact.name...?", False),
    (
        "Hi @@@flow.favorite_color @@flow.favorite_color @flow.favorite_color @nyaruka @ @",
        "Hi @@@results.favorite_color @@flow.favorite_color @results.favorite_color @nyaruka @ @",
        False,
    ),
]

FUNCTION_CALLS = [
    ("@(ABS(-1))", "@(abs(-1))"),
    ("@(Abs(5))", "@(abs(5))"),
    ("@(AND(contact.age > 30, flow.amount < 5))", "@(and(fields.age > 30, results.amount < 5))"),
    ('@(AND(contact.gender = "F", contact.age >= 18))', '@(and(fields.gender = "F", fields.age >= 18))'),
    ("@(AVERAGE(1, 2, 3, 4, 5))", "@(mean(1, 2, 3, 4, 5))"),
    ("@(CHAR(10))", "@(char(10))"),
    ("@(CLEAN(contact.gender))", "@(clean(fields.gender))"),
    ('@(CODE("A"))', '@(code("A"))'),
    ('@(CONCATENATE(contact.name, " ", contact.language))', '@(contact.name & " " & contact.language)'),
    ("@(DATE(2012, 12, 25))", "@(date_from_parts(2012, 12, 25))"),
    ('@(DATEDIF(contact.join_date, date.now, "M"))', '@(datetime_diff(fields.join_date, now(), "M"))'),
    ('@(DATEVALUE("2012-02-03"))', '@(date("2012-02-03"))'),
    ("@(DAY(contact.join_date))", '@(format_date(fields.join_date, "D"))'),
    ('@(DAYS("2016-02-28", "2015-02-28"))', '@(datetime_diff("2015-02-28", "2016-02-28", "D"))'),
    ('@(DAYS("2016-02-28", "2016-02-29"))', '@(datetime_diff("2016-02-29", "2016-02-28", "D"))'),
    ('@(EDATE("2012-02-03", 1))', '@(datetime_add("2012-02-03", 1, "M"))'),
    ("@(EPOCH(NOW()))", "@(epoch(now()))"),
    ("@(FALSE())", "@(false)"),
    ('@(FIELD(flow.favorite_color, 2, ","))', '@(field(results.favorite_color, 1, ","))'),
    (
        '@(FIELD(flow.favorite_color, child.age, ","))',
        '@(field(results.favorite_color, child.results.age - 1, ","))',
    ),
    ("@(FIRST_WORD(flow.favorite_color))", "@(word(results.favorite_color, 0))"),
    ('@(FIRST_WORD(WORD_SLICE("bee cat dog elf", 2, 4)))', '@(word(word_slice("bee cat dog elf", 1, 3), 0))'),
    ("@(FIXED(contact.age, 3, false))", "@(format_number(fields.age, 3, false))"),
    ("@(FIXED(contact.age, 3))", "@(format_number(fields.age, 3))"),
    ("@(FIXED(contact.age))", "@(format_number(fields.age, 2))"),
    ("@(HOUR(NOW()))", '@(format_datetime(now(), "tt"))'),
    ('@(IF(contact.gender = "M", "Sir", "Madam"))', '@(if(fields.gender = "M", "Sir", "Madam"))'),
    ("@(INT(contact.age))", "@(round_down(fields.age))"),
    ("@(LEFT(contact.name, 4))", "@(text_slice(contact.name, 0, 4))"),
    ("@(LEN(contact.first_name))", "@(text_length(contact.first_name))"),
    ("@(LOWER(contact.first_name))", "@(lower(contact.first_name))"),
    ("@(MAX(child.age, 10))", "@(max(child.results.age, 10))"),
    ("@(MIN(child.age, 10))", "@(min(child.results.age, 10))"),
    ("@(MINUTE(NOW()))", '@(format_datetime(now(), "m"))'),
    ("@(MOD(103, 4))", "@(mod(103, 4))"),
    ("@(MONTH(NOW()))", '@(format_date(now(), "M"))'),
    ("@(NOW())", "@(now())"),
    (
        '@(OR(contact.gender = "M", contact.gender = "F", contact.gender = "NB"))',
        '@(or(fields.gender = "M", fields.gender = "F", fields.gender = "NB"))',
    ),
    ("@(POWER(2, 3))", "@(2 ^ 3)"),
    ("@(PROPER(contact))", "@(title(contact))"),
    ("@(RAND())", "@(rand())"),
    ("@(RANDBETWEEN(1, 10))", "@(rand_between(1, 10))"),
    (
        '@(REGEX_GROUP(flow.favorite_color, "\\w(\\w+)", 1))',
        '@(regex_match(results.favorite_color, "\\w(\\w+)", 1))',
    ),
    ('@(REGEX_GROUP(flow.favorite_color, "\\w\\w+"))', '@(regex_match(results.favorite_color, "\\w\\w+"))'),
    ("@(REMOVE_FIRST_WORD(flow.favorite_color))", "@(remove_first_word(results.favorite_color))"),
    ('@(REPT("*", 10))', '@(repeat("*", 10))'),
    ("@(RIGHT(contact.name, 4))", "@(text_slice(contact.name, -4))"),
    ("@(ROUND(9.4378, 3))", "@(round(9.4378, 3))"),
    ("@(ROUND(9.4378))", "@(round(9.4378))"),
    ("@(ROUNDDOWN(9.4378, 3))", "@(round_down(9.4378, 3))"),
    ("@(ROUNDDOWN(9.4378))", "@(round_down(9.4378))"),
    ("@(ROUNDUP(9.4378, 3))", "@(round_up(9.4378, 3))"),
    ("@(ROUNDUP(9.4378))", "@(round_up(9.4378))"),
    ("@(SECOND(NOW()))", '@(format_datetime(now(), "s"))'),
    ("@(SUM(contact.age, child.age))", "@(fields.age + child.results.age)"),
    ("@(TRUE())", "@(true)"),
    ("@(WEEKDAY(TODAY()))", "@(weekday(today()) + 1)"),
    ("@(WORD_COUNT(flow.favorite_color, FALSE))", "@(word_count(results.favorite_color, NULL))"),
    ("@(WORD_COUNT(flow.favorite_color, TRUE))", '@(word_count(results.favorite_color, " \\t"))'),
    ("@(WORD_COUNT(flow.favorite_color))", "@(word_count(results.favorite_color))"),
    ("@(WORD_SLICE(flow.favorite_color, 2, 4, FALSE))", "@(word_slice(results.favorite_color, 1, 3, NULL))"),
    ("@(WORD_SLICE(flow.favorite_color, 2, 4, TRUE))", '@(word_slice(results.favorite_color, 1, 3, " \\t"))'),
    ("@(WORD_SLICE(flow.favorite_color, 2, 4))", "@(word_slice(results.favorite_color, 1, 3))"),
    ("@(WORD_SLICE(flow.favorite_color, 2))", "@(word_slice(results.favorite_color, 1))"),
    ("@(WORD(flow.favorite_color, 1, FALSE))", "@(word(results.favorite_color, 0, NULL))"),
    ("@(WORD(flow.favorite_color, 1, TRUE))", '@(word(results.favorite_color, 0, " \\t"))'),
    ("@(WORD(flow.favorite_color, 1))", "@(word(results.favorite_color, 0))"),
    (
        "@(WORD(flow.favorite_color, child.age - 22))",
        "@(word(results.favorite_color, legacy_add(child.results.age, -22) - 1))",
    ),
    ("@(YEAR(date.now))", '@(format_date(now(), "YYYY"))'),
    ("@(YEAR(NOW()))", '@(format_date(now(), "YYYY"))'),
]


def _variants(old: str, new: str) -> list[tuple[str, str]]:
    return [
        (old, new),
        ("Embedded " + old + " text", "Embedded " + new + " text"),
        ("Replace " + old + " two " + old + " times", "Replace " + new + " two " + new + " times"),
    ]


@pytest.mark.parametrize(("old", "new", "default_to_self"), TEMPLATES)
def test_migrate_template(old: str, new: str, default_to_self: bool) -> None:
    for o, n in _variants(old, new):
        assert migrate_legacy_template(o, default_to_self=default_to_self) == n


@pytest.mark.parametrize(("old", "new"), FUNCTION_CALLS)
def test_migrate_function_call(old: str, new: str) -> None:
    assert migrate_legacy_template(old) == new


def test_vector_count() -> None:
    # goflow's table as of 9b9f13a
    assert len(TEMPLATES) == 135
    assert len(FUNCTION_CALLS) == 70


def test_migrate_string_literal() -> None:
    assert migrate_string_literal('""') == '""'
    assert migrate_string_literal('"abc"') == '"abc"'
    assert migrate_string_literal('"""hello"""') == '"\\"hello\\""'
    assert migrate_string_literal('"line1\\nline2\\ttabbed"') == '"line1\\nline2\\ttabbed"'


def test_deeply_nested_expression_is_left_unmigrated() -> None:
    deep = "@(" + "(" * 5000 + "1" + ")" * 5000 + ")"
    migrated, errors = migrate_template_with_errors(deep)
    assert migrated == deep
    assert errors


@pytest.mark.parametrize(
    "template",
    ["@(1 +)", '@(LEFT("abc"', "@(contact.name ~ 2)"],
)
def test_unparseable_expression_is_kept(template: str) -> None:
    migrated, errors = migrate_template_with_errors(template)
    assert migrated == template
    assert errors or template.count("(") != template.count(")")
