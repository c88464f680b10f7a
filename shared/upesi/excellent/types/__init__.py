"""Excellent value types.

Python values stand in for goflow's X types so that evaluation stays cheap:
text = str, number = Decimal, boolean = bool, nil = None, datetime = aware datetime,
date = datetime.date, time = datetime.time, array = list. Objects, functions and
errors need behaviour of their own and get small classes here.
"""

from upesi.excellent.types.values import (
    XError,
    XFunction,
    XLambda,
    XObject,
    is_error,
)

__all__ = ["XError", "XFunction", "XLambda", "XObject", "is_error"]
