"""Object, function and error values (the X types that are not plain Python values)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_MISSING = object()


class XError(Exception):
    """An error value. Errors are values in Excellent: they propagate instead of raising."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"XError({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, XError) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)


def is_error(v: Any) -> bool:
    return isinstance(v, XError)


class Lazy:
    """A property computed on first access, so big contexts (contact, run, results) cost nothing unless used."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn

    def resolve(self, owner: XObject, key: str) -> Any:
        return self.fn()


class Deferred(Lazy):
    """A property computed on first access from the object holding it and its key: fn(owner, key) (the key is
    "" for the default). One table of these can be shared by every instance of a context class, where Lazy
    needs a new closure per property per instance."""

    __slots__ = ()

    def __init__(self, fn: Callable[[Any, str], Any]) -> None:
        self.fn = fn  # type: ignore[assignment]

    def resolve(self, owner: XObject, key: str) -> Any:
        return self.fn(owner, key)  # type: ignore[call-arg]


class XObject:
    """A map of case-insensitive properties with an optional default used for rendering and comparison."""

    __slots__ = ("_default", "_keys", "_props", "deprecated", "deprecated_keys")

    def __init__(
        self,
        props: dict[str, Any] | None = None,
        default: Any = _MISSING,
        deprecated: str | None = None,
    ) -> None:
        self._props: dict[str, Any] = dict(props) if props else {}
        self._keys: dict[str, str] | None = None
        self._default = default
        self.deprecated = deprecated
        # property (lower-cased) -> warning emitted when a template uses it
        self.deprecated_keys: dict[str, str] | None = None

    @property
    def has_default(self) -> bool:
        return self._default is not _MISSING

    @property
    def default(self) -> Any:
        d = self._default
        if isinstance(d, Lazy):
            d = d.resolve(self, "")
            self._default = d
        return None if d is _MISSING else d

    def _key_map(self) -> dict[str, str]:
        if self._keys is None:
            self._keys = {k.lower(): k for k in self._props}
        return self._keys

    def keys(self) -> list[str]:
        return list(self._props.keys())

    def get(self, key: str, default: Any = _MISSING) -> Any:
        real = self._props.get(key, _MISSING)
        if real is _MISSING:
            k = self._key_map().get(key.lower())
            if k is None:
                return default
            key = k
            real = self._props[k]
        if isinstance(real, Lazy):
            # Deferred called directly: contexts resolve many of these per template evaluated
            real = real.fn(self, key) if type(real) is Deferred else real.resolve(self, key)  # type: ignore[call-arg]
            self._props[key] = real
        return real

    def has(self, key: str) -> bool:
        return key in self._props or key.lower() in self._key_map()

    def set(self, key: str, value: Any) -> None:
        self._props[key] = value
        self._keys = None

    def items(self) -> Iterable[tuple[str, Any]]:
        for k in list(self._props):
            yield k, self.get(k)

    def __len__(self) -> int:
        return len(self._props)

    def __repr__(self) -> str:
        return f"XObject({self._props!r}, default={self._default!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XObject):
            return NotImplemented
        return dict(self.items()) == dict(other.items()) and self.default == other.default

    __hash__ = None  # type: ignore[assignment]


class XFunction:
    """A builtin function value: renders as its name, callable with a list of argument values."""

    __slots__ = ("fn", "name")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name = name
        self.fn = fn

    def call(self, env: Any, args: list[Any]) -> Any:
        return self.fn(env, *args)

    def __repr__(self) -> str:
        return f"XFunction({self.name})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, XFunction) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


class XLambda:
    """An anonymous function `(x, y) => expr`: closes over the scope it was created in."""

    __slots__ = ("body", "evaluator", "params", "scope")

    def __init__(self, params: list[str], body: Any, scope: Any, evaluator: Any) -> None:
        self.params = params
        self.body = body
        self.scope = scope
        self.evaluator = evaluator

    name = "<anon>"

    def call(self, env: Any, args: list[Any]) -> Any:
        if len(args) != len(self.params):
            return XError(f"expected {len(self.params)} arguments, got {len(args)}")
        return self.evaluator(self.body, env, self.scope.child(dict(zip(self.params, args, strict=True))))
