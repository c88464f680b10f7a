"""The parse tree: conditions combined by AND / OR. `str()` of a node is RapidPro's normalised text."""

import json
import re
from dataclasses import dataclass
from enum import StrEnum


class PropType(StrEnum):
    ATTRIBUTE = "attribute"
    SCHEME = "scheme"
    FIELD = "field"


class Op(StrEnum):
    EQ = "="
    NEQ = "!="
    CONTAINS = "~"
    GT = ">"
    GTE = ">="
    LT = "<"
    LTE = "<="


COMPARISONS = (Op.GT, Op.GTE, Op.LT, Op.LTE)

# values that are plain decimals are written unquoted, everything else quoted (as RapidPro does)
_PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def quote_value(value: str) -> str:
    if _PLAIN_NUMBER.match(value):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Condition:
    prop_type: PropType
    key: str  # lower case attribute name, scheme or field key
    op: Op
    value: str
    # a field key that collides with an attribute or scheme name must keep its fields. prefix to re-parse
    needs_prefix: bool = False

    def __str__(self) -> str:
        prop = f"fields.{self.key}" if self.needs_prefix else self.key
        return f"{prop} {self.op.value} {quote_value(self.value)}"


@dataclass(frozen=True)
class BoolCombination:
    op: str  # "AND" or "OR"
    children: tuple["Node", ...]

    def __str__(self) -> str:
        parts = [f"({c})" if isinstance(c, BoolCombination) else str(c) for c in self.children]
        return f" {self.op} ".join(parts)


Node = Condition | BoolCombination


def simplify(node: Node) -> Node:
    """Flatten nested combinations that share an operator: (a AND b) AND c -> a AND b AND c."""
    if isinstance(node, Condition):
        return node
    children: list[Node] = []
    for child in node.children:
        child = simplify(child)
        if isinstance(child, BoolCombination) and child.op == node.op:
            children.extend(child.children)
        else:
            children.append(child)
    return children[0] if len(children) == 1 else BoolCombination(node.op, tuple(children))


def walk(node: Node | None) -> list[Condition]:
    """The conditions of a tree, left to right."""
    if node is None:
        return []
    if isinstance(node, Condition):
        return [node]
    return [c for child in node.children for c in walk(child)]
