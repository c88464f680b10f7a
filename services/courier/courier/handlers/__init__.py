"""The handler registry: channel type code -> handler, one module per provider family.

Every module of this package that defines a Handler subclass with channel types is registered (so adding a
channel family is adding its module); the codes come from the family's declaration in upesi.channeltypes, and
tests/courier/test_channel_types.py checks that every declared type has exactly one handler and back.
"""

import importlib
import inspect
import pkgutil

from courier.handlers.base import Handler


def _build() -> dict[str, Handler]:
    registry: dict[str, Handler] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Handler) or cls.__module__ != module.__name__ or not cls.channel_types:
                continue
            handler = cls()
            for code in handler.channel_types:
                if code in registry:
                    raise RuntimeError(f"channel type {code} has two handlers")
                registry[code] = handler
    return registry


_REGISTRY: dict[str, Handler] | None = None


def registry() -> dict[str, Handler]:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _build()
    return _REGISTRY


def get_handler(channel_type: str) -> Handler | None:
    return registry().get(channel_type.upper())
