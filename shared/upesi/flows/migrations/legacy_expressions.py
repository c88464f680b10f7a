"""Migration of legacy (RapidPro v11 and earlier) templates and expressions to Excellent.

Follows goflow's flows/definition/legacy/expressions: templates are scanned as goflow scans them
(`@path` items only for the legacy top levels, `@(...)` expressions), each expression is parsed with
the legacy grammar (Excellent1: `&` concatenation, `=`/`<>` equality, `^`, Excel `""` escapes,
TRUE/FALSE) and rewritten node by node: context references through one table of patterns, function
calls through one table of migrators, additions by the types they can infer (dates become
datetime_add, unknowns legacy_add). An expression that does not parse is left as it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

from upesi.flows.contact import URN_SCHEMES

# allowed top levels of @path items in legacy templates (goflow's ContextTopLevels)
CONTEXT_TOP_LEVELS = ("channel", "child", "contact", "date", "extra", "flow", "parent", "step")

# the top levels of the current run context (goflow's flows.RunContextTopLevels)
RUN_CONTEXT_TOP_LEVELS = (
    "child", "contact", "fields", "globals", "input", "legacy_extra", "node", "parent", "locals",
    "results", "resume", "run", "ticket", "trigger", "urns", "webhook",
)  # fmt: skip

MAX_EXPRESSION_DEPTH = 100


class LegacyMigrationError(ValueError):
    """An expression that could not be migrated (goflow leaves it as it was)."""


@dataclass(frozen=True)
class MigrateOptions:
    default_to_self: bool = False  # wrap so that an error evaluates to the original text
    url_encode: bool = False  # wrap in url_encode(...)
    raw_dates: bool = False  # leave dates unformatted (date tests compare them)


# ----------------------------------------------------------------------------------------------
# the template scanner (goflow's excellent XScanner with unescaping of the body turned off)


def _is_name_char(c: str) -> bool:
    return c.isalpha() or c == "_" or unicodedata.category(c) in ("Nd", "Nl", "No")


def scan_template(t: str, top_levels: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Yield ("body" | "identifier" | "expression", text); @@ stays @@ in the body."""
    i, n = 0, len(t)
    while i < n:
        if t[i] == "@" and i + 1 < n and t[i + 1] == "(":
            i, kind, text = _scan_expression(t, i + 2)
            yield kind, text
        elif t[i] == "@" and i + 1 < n and _is_name_char(t[i + 1]):
            i, kind, text = _scan_identifier(t, i + 1, top_levels)
            yield kind, text
        else:
            i, text = _scan_body(t, i)
            yield "body", text


def _scan_expression(t: str, i: int) -> tuple[int, str, str]:
    buf: list[str] = []
    parens, n = 1, len(t)
    while i < n:
        c = t[i]
        i += 1
        if c == '"':
            buf.append(c)
            escaped = False
            while i < n:
                c = t[i]
                i += 1
                buf.append(c)
                if c == '"' and not escaped:
                    break
                escaped = c == "\\"
        elif c == "(":
            buf.append(c)
            parens += 1
        elif c == ")":
            parens -= 1
            if parens == 0:
                break
            buf.append(c)
        else:
            buf.append(c)
    if parens == 0:
        return i, "expression", "".join(buf)
    return i, "body", "@(" + "".join(buf)


def _scan_identifier(t: str, i: int, top_levels: tuple[str, ...]) -> tuple[int, str, str]:
    buf: list[str] = []
    top = ""
    n = len(t)
    while i < n:
        c = t[i]
        if c == "." and not top:
            top = "".join(buf)
        if c == ".":
            # a period belongs to the identifier only when a name character follows it
            if i + 1 < n and _is_name_char(t[i + 1]):
                buf.append(c + t[i + 1])
                i += 2
                continue
            break
        if not _is_name_char(c):
            break
        buf.append(c)
        i += 1
    ident = "".join(buf)
    if (top or ident).lower() in top_levels:
        return i, "identifier", ident
    return i, "body", "@" + ident


def _scan_body(t: str, i: int) -> tuple[int, str]:
    buf: list[str] = []
    n = len(t)
    while i < n:
        c = t[i]
        if c == "@":
            nxt = t[i + 1] if i + 1 < n else ""
            if nxt == "(" or (nxt and nxt != "@" and _is_name_char(nxt)):
                break
            if nxt == "@":
                buf.append("@@")
                i += 2
                continue
            buf.append("@" + nxt)
            i += 1 + len(nxt)
            continue
        buf.append(c)
        i += 1
    return i, "".join(buf)


# ----------------------------------------------------------------------------------------------
# context references


def _build_mappings() -> list[tuple[re.Pattern[str], str, bool]]:
    schemes = "|".join(URN_SCHEMES)
    c = r"^(?:(?:flow|step)\.)?((?:parent|child)\.)?contact"
    table = [
        (c + "$", r"\1contact", False),
        (c + r"\.uuid$", r"\1contact.uuid", False),
        (c + r"\.id$", r"\1contact.id", False),
        (c + r"\.name$", r"\1contact.name", False),
        (c + r"\.first_name$", r"\1contact.first_name", False),
        (c + r"\.created_on$", r"\1contact.created_on", False),
        (c + r"\.language$", r"\1contact.language", False),
        (c + r"\.groups$", r'join(\1contact.groups, ",")', False),
        (c + r"\.tel_e164$", r'default(urn_parts(\1urns.tel).path, "")', False),
        (c + r"\.tel$", r"format_urn(\1urns.tel)", False),
        (c + rf"\.({schemes})$", r'default(urn_parts(\1urns.\2).path, "")', False),
        (c + rf"\.({schemes})\.display$", r"format_urn(\1urns.\2)", False),
        (c + rf"\.({schemes})\.path$", r"urn_parts(\1urns.\2).path", False),
        (c + rf"\.({schemes})\.scheme$", r"urn_parts(\1urns.\2).scheme", False),
        (c + rf"\.({schemes})\.urn$", r"\1urns.\2", False),
        (c + r"\.(\w+)$", r"\1fields.\2", False),
    ]
    for src, dst in (
        ("flow", "results"),
        ("child", "child.results"),
        ("(?:parent|extra\\.flow)", "parent.results"),
    ):
        table += [
            (rf"^{src}$", dst, False),
            (rf"^{src}\.(\w+)$", rf"{dst}.\1", False),
            (rf"^{src}\.(\w+)\.value$", rf"{dst}.\1.value", False),
            (rf"^{src}\.(\w+)\.category$", rf"{dst}.\1.category_localized", False),
            (rf"^{src}\.(\w+)\.text$", rf"{dst}.\1.input", False),
            (rf"^{src}\.(\w+)\.time$", rf"{dst}.\1.created_on", False),
        ]
    table += [
        (r"^step(\.value)?$", "input", False),
        (r"^step\.text$", "input.text", False),
        (r"^step\.time$", "input.created_on", False),
        (
            r"^step\.attachments$",
            'foreach(foreach(input.attachments, attachment_parts), extract, "url")',
            False,
        ),
        (r"^step\.attachments\.(\d+)$", r"attachment_parts(input.attachments[\1]).url", False),
        (r"^channel$", "contact.channel.address", False),
        (r"^channel\.(address|tel|tel_e164)$", "contact.channel.address", False),
        (r"^channel\.name$", "contact.channel.name", False),
        (r"^date(\.now)?$", "now()", False),
        (r"^date\.today$", "today()", True),
        (r"^date\.tomorrow$", 'datetime_add(now(), 1, "D")', True),
        (r"^date\.yesterday$", 'datetime_add(now(), -1, "D")', True),
        (r"^extra$", "legacy_extra", False),
        (r"^extra\.([\w\.]+)$", r"legacy_extra.\1", False),
    ]
    # Go's \w and \d are ASCII
    return [(re.compile(p, re.ASCII), r, d) for p, r, d in table]


_MAPPINGS = _build_mappings()
_NUMERIC_LOOKUP_RE = re.compile(r"\.\d+\w*", re.ASCII)


def migrate_context_reference(path: str, raw_dates: bool = False) -> str:
    """A legacy dotted reference (contact.age, flow.color.category...) -> an Excellent expression."""
    path = path.lower()
    for pattern, replace, is_date in _MAPPINGS:
        if pattern.search(path):
            migrated = pattern.sub(replace, path, count=1)
            if is_date and not raw_dates:
                migrated = f"format_date({migrated})"
            # numeric lookups: .1 -> ["1"]
            return _NUMERIC_LOOKUP_RE.sub(lambda m: '["' + m.group()[1:] + '"]', migrated)
    return path


# ----------------------------------------------------------------------------------------------
# function calls


def _go_sprintf(template: str, args: list[str]) -> str:
    """Go's Sprintf for templates of %s and %[n]s verbs, including its complaints about arguments."""
    out: list[str] = []
    argi, reordered = 0, False
    for m in re.finditer(r"%\[(\d+)\]s|%s|[^%]+|%", template):
        tok = m.group()
        if m.group(1):
            reordered = True
            idx = int(m.group(1)) - 1
            out.append(args[idx] if 0 <= idx < len(args) else "%!s(BADINDEX)")
            argi = idx + 1
        elif tok == "%s":
            out.append(args[argi] if argi < len(args) else "%!s(MISSING)")
            argi += 1
        else:
            out.append(tok)
    if not reordered and argi < len(args):
        out.append("%!(EXTRA " + ", ".join("string=" + a for a in args[argi:]) + ")")
    return "".join(out)


CallMigrator = Callable[[str, list[str]], str]
ParamMigrator = Callable[[str], str]


def _render_call(name: str, params: list[str]) -> str:
    return f"{name}({', '.join(params)})"


def _as_is() -> CallMigrator:
    return _render_call


def _as_rename(new: str) -> CallMigrator:
    return lambda _name, params: _render_call(new, params)


def _as_template(template: str) -> CallMigrator:
    def migrate(name: str, params: list[str]) -> str:
        # as goflow, only plain %s verbs are counted
        needed = template.count("%s") + template.count("%v")
        if needed > len(params):
            raise LegacyMigrationError(
                f"expecting {needed} params whilst migrating call to {name} but got {len(params)}"
            )
        return _go_sprintf(template, params)

    return migrate


def _as_join(delimiter: str) -> CallMigrator:
    return lambda _name, params: delimiter.join(params)


def _as_params(new: str, *migrators: ParamMigrator, defaults: tuple[str, ...] = ()) -> CallMigrator:
    def migrate(name: str, old: list[str]) -> str:
        if len(old) > len(migrators):
            raise LegacyMigrationError(f"don't know how to migrate call to {name} with {len(old)} parameters")
        params = [
            migrators[i](old[i] if i < len(old) else defaults[i]) for i in range(max(len(old), len(defaults)))
        ]
        return _render_call(new, params)

    return migrate


def _p_as_is(p: str) -> str:
    return p


def _p_decremented(p: str) -> str:
    if re.fullmatch(r"[+-]?[0-9]+", p):
        return str(int(p) - 1)
    return f"{p} - 1"


def _p_by_spaces(p: str) -> str:
    return '" \\t"' if p.strip().lower() == "true" else "NULL"


_CALL_MIGRATORS: dict[str, CallMigrator] = {
    "abs": _as_is(),
    "and": _as_is(),
    "average": _as_rename("mean"),
    "char": _as_is(),
    "clean": _as_is(),
    "code": _as_is(),
    "concatenate": _as_join(" & "),
    "date": _as_rename("date_from_parts"),
    "datedif": _as_rename("datetime_diff"),
    "datevalue": _as_rename("date"),
    "day": _as_template('format_date(%s, "D")'),
    "days": _as_template('datetime_diff(%[2]s, %[1]s, "D")'),
    "edate": _as_template('datetime_add(%s, %s, "M")'),
    "epoch": _as_is(),
    "exp": _as_template("2.718281828459045 ^ %s"),
    "false": _as_template("false"),
    "field": _as_params("field", _p_as_is, _p_decremented, _p_as_is),
    "first_word": _as_template("word(%s, 0)"),
    "fixed": _as_params("format_number", _p_as_is, _p_as_is, _p_as_is, defaults=("", "2")),
    "format_date": _as_rename("format_datetime"),
    "format_location": _as_is(),
    "hour": _as_template('format_datetime(%s, "tt")'),
    "if": _as_is(),
    "int": _as_rename("round_down"),
    "left": _as_template("text_slice(%[1]s, 0, %[2]s)"),
    "len": _as_rename("text_length"),
    "lower": _as_is(),
    "max": _as_is(),
    "min": _as_is(),
    "minute": _as_template('format_datetime(%s, "m")'),
    "mod": _as_is(),
    "month": _as_template('format_date(%s, "M")'),
    "now": _as_is(),
    "or": _as_is(),
    "percent": _as_is(),
    "power": _as_template("%s ^ %s"),
    "proper": _as_rename("title"),
    "rand": _as_is(),
    "randbetween": _as_rename("rand_between"),
    "read_digits": _as_rename("read_chars"),
    "regex_group": _as_rename("regex_match"),
    "remove_first_word": _as_is(),
    "rept": _as_rename("repeat"),
    "right": _as_template("text_slice(%[1]s, -%[2]s)"),
    "round": _as_is(),
    "rounddown": _as_rename("round_down"),
    "roundup": _as_rename("round_up"),
    "second": _as_template('format_datetime(%s, "s")'),
    "substitute": _as_rename("replace"),
    "sum": _as_join(" + "),
    "time": _as_template("time_from_parts(%s, %s, %s)"),
    "timevalue": _as_template("time(%s)"),
    "today": _as_is(),
    "true": _as_template("true"),
    "trunc": _as_rename("round_down"),
    "unichar": _as_rename("char"),
    "unicode": _as_rename("code"),
    "upper": _as_is(),
    "weekday": _as_template("weekday(%s) + 1"),
    "word_count": _as_params("word_count", _p_as_is, _p_by_spaces),
    "word_slice": _as_params("word_slice", _p_as_is, _p_decremented, _p_decremented, _p_by_spaces),
    "word": _as_params("word", _p_as_is, _p_decremented, _p_by_spaces),
    "year": _as_template('format_date(%s, "YYYY")'),
}


def migrate_function_call(name: str, params: list[str]) -> str:
    """A call in legacy syntax -> Excellent; goflow ignores a migrator's error and writes ''."""
    migrator = _CALL_MIGRATORS.get(name, _render_call)
    try:
        return migrator(name, params)
    except LegacyMigrationError:
        return ""


_FUNCTION_RETURN_TYPES = {
    "abs": "number", "datetime_add": "datetime", "datetime_from_parts": "datetime", "datetime": "datetime",
    "date": "date", "format_date": "date", "max": "number", "mean": "number", "min": "number",
    "mod": "number", "now": "datetime", "sum": "number", "rand": "number", "round": "number",
    "round_down": "number", "round_up": "number", "time": "time", "time_from_parts": "time", "today": "date",
}  # fmt: skip
_CALL_RE = re.compile(r"^(\w+)\(", re.ASCII)


def _infer_type(operand: str) -> str:
    if re.fullmatch(r"[+-]?[0-9]+", operand):
        return "number"
    if m := _CALL_RE.match(operand):
        return _FUNCTION_RETURN_TYPES.get(m.group(1), "")
    return ""


# ----------------------------------------------------------------------------------------------
# the legacy expression grammar (goflow's antlr/Excellent1.g4) and its rewriting

_TOKEN_RE = regex.compile(
    r"""(?P<ws>[ \t\n\r]+)
    |(?P<op><>|<=|>=|[,()+\-*/^=<>&])
    |(?P<decimal>[0-9]+(?:\.[0-9]+)?)
    |(?P<string>"(?:[^"]|"")*")
    |(?P<name>\p{L}+[\p{L}\p{Nd}_.]*)
    """,
    regex.VERBOSE,
)
_BINARY_LEVELS = {
    "^": 6,
    "*": 5,
    "/": 5,
    "+": 4,
    "-": 4,
    "<=": 3,
    "<": 3,
    ">=": 3,
    ">": 3,
    "=": 2,
    "<>": 2,
    "&": 1,
}
_NEGATION_LEVEL = 7


def _tokenize(expr: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(expr):
        m = _TOKEN_RE.match(expr, i)
        if m is None:
            raise LegacyMigrationError(f"syntax error at {expr[i:]}")
        kind = m.lastgroup or ""
        text = m.group()
        i = m.end()
        if kind == "ws":
            continue
        if kind == "name" and text.lower() in ("true", "false"):
            kind = text.lower()
        tokens.append((kind, text))
    return tokens


class _Parser:
    """Precedence climbing over the Excellent1 grammar, producing migrated text directly."""

    def __init__(self, expr: str, options: MigrateOptions) -> None:
        self.tokens = _tokenize(expr)
        self.pos = 0
        self.options = options

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("eof", "")

    def take(self, text: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "eof" or (text is not None and tok[1] != text):
            raise LegacyMigrationError(f"syntax error at {tok[1] or 'end of expression'}")
        self.pos += 1
        return tok

    def parse(self) -> str:
        value = self.expression(0)
        if self.peek()[0] != "eof":
            raise LegacyMigrationError(f"syntax error at {self.peek()[1]}")
        return value

    def expression(self, min_level: int) -> str:
        left = self.primary()
        while True:
            kind, op = self.peek()
            level = _BINARY_LEVELS.get(op) if kind == "op" else None
            if level is None or level < min_level:
                return left
            self.pos += 1
            right = self.expression(level + 1)  # left-associative
            left = self.binary(op, left, right)

    def primary(self) -> str:
        kind, text = self.take()
        if kind in ("name", "true", "false") and self.peek()[1] == "(":
            self.take("(")
            params: list[str] = []
            if self.peek()[1] != ")":
                params.append(self.expression(0))
                while self.peek()[1] == ",":
                    self.take(",")
                    params.append(self.expression(0))
            self.take(")")
            return migrate_function_call(text.lower(), params)
        if kind == "op" and text == "-":
            return "-" + self.expression(_NEGATION_LEVEL)
        if kind == "op" and text == "(":
            inner = self.expression(0)
            self.take(")")
            return f"({inner})"
        if kind == "string":
            return migrate_string_literal(text)
        if kind == "decimal":
            return text
        if kind in ("true", "false"):
            return kind
        if kind == "name":
            return migrate_context_reference(text, self.options.raw_dates)
        raise LegacyMigrationError(f"syntax error at {text}")

    def binary(self, op: str, a: str, b: str) -> str:
        if op == "<>":
            return f"{a} != {b}"
        if op in ("+", "-"):
            return self.add_or_subtract(op, a, b)
        return f"{a} {op} {b}"

    def add_or_subtract(self, op: str, a: str, b: str) -> str:
        ta, tb = _infer_type(a), _infer_type(b)
        neg = "-" if op == "-" else ""
        if ta == "number" and tb == "number":
            return f"{a} {op} {b}"
        if ta == "datetime" and tb == "number":
            return f'datetime_add({a}, {neg}{b}, "D")'
        if ta == "date" and tb == "number":
            added = f'datetime_add({a}, {neg}{b}, "D")'
            return added if self.options.raw_dates else f"format_date({added})"
        if ta == "datetime" and tb == "time":
            minutes = f'format_time({b}, "tt") * 60 + format_time({b}, "m")'
            if op == "-":
                return f'datetime_add({a}, -({minutes}), "m")'
            return f'datetime_add({a}, {minutes}, "m")'
        if tb == "time" and op == "+":
            return f"replace_time({a}, {b})"
        return f"legacy_add({a}, {neg}{b})"


def migrate_string_literal(s: str) -> str:
    """A legacy "..." literal ("" escapes a quote) -> an Excellent one."""
    return '"' + s[1:-1].replace('""', '\\"') + '"'


def _nesting_exceeds(s: str, limit: int) -> bool:
    depth = 0
    for c in s:
        if c in "([{":
            depth += 1
            if depth > limit:
                return True
        elif c in ")]}" and depth > 0:
            depth -= 1
    return False


def migrate_expression(expr: str, options: MigrateOptions | None = None) -> str:
    """The inside of a legacy @( ) -> an Excellent expression; raises LegacyMigrationError."""
    if _nesting_exceeds(expr, MAX_EXPRESSION_DEPTH):
        raise LegacyMigrationError("expression nesting too deep")
    return _Parser(expr, options or MigrateOptions()).parse()


# ----------------------------------------------------------------------------------------------
# templates

_IDENTIFIER_RE = regex.compile(r"^\p{L}+[\p{L}\p{N}_.]*$")


def _is_valid_identifier(expr: str) -> bool:
    if not _IDENTIFIER_RE.match(expr):
        return False
    return any(expr == t or expr.startswith(t + ".") for t in RUN_CONTEXT_TOP_LEVELS)


def go_quote(s: str) -> str:
    """Go's strconv.Quote."""
    out = ['"']
    escapes = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
               "\t": "\\t", "\v": "\\v"}  # fmt: skip
    for c in s:
        if c in escapes:
            out.append(escapes[c])
        elif c.isprintable() or c == " ":
            out.append(c)
        elif ord(c) < 0x80:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    out.append('"')
    return "".join(out)


def _wrap_raw(expr: str, error_as: str, url_encode: bool) -> str:
    if error_as:
        expr = f"if(is_error({expr}), {go_quote(error_as)}, {expr})"
    if url_encode:
        expr = f"url_encode({expr})"
    if not _is_valid_identifier(expr):
        expr = "(" + expr + ")"
    return "@" + expr


def migrate_template_with_errors(t: str, options: MigrateOptions | None = None) -> tuple[str, list[str]]:
    """Migrate a legacy template -> (template, errors); an expression with an error is kept as is."""
    opts = options or MigrateOptions()
    out: list[str] = []
    errors: list[str] = []
    for kind, text in scan_template(t, CONTEXT_TOP_LEVELS):
        if kind == "body":
            out.append(text)
        elif kind == "identifier":
            value = migrate_context_reference(text, opts.raw_dates)
            out.append(_wrap_raw(value, "@" + text if opts.default_to_self else "", opts.url_encode))
        elif text == '""':
            # @("") was the editor's way of writing nothing
            continue
        else:
            try:
                value = migrate_expression(text, opts)
            except LegacyMigrationError as e:
                errors.append(f"@({text}): {e}")
                out.append("@(" + text + ")")
                continue
            out.append(_wrap_raw(value, "@(" + text + ")" if opts.default_to_self else "", opts.url_encode))
    return "".join(out), errors


def migrate_legacy_template(
    t: str, *, default_to_self: bool = False, url_encode: bool = False, raw_dates: bool = False
) -> str:
    """Migrate a legacy template as goflow's MigrateTemplate does (errors leave expressions as they were)."""
    if not t or "@" not in t:
        return t
    opts = MigrateOptions(default_to_self=default_to_self, url_encode=url_encode, raw_dates=raw_dates)
    return migrate_template_with_errors(t, opts)[0]
