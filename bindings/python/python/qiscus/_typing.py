"""The names of `typing` that `qiscus/__init__.py` uses at run time, without importing it.

`typing` (and through it `re`) would cost ~7 ms of `import qiscus`, yet the package needs it
only for annotations, which are never evaluated (`from __future__ import annotations`), and for
three things at run time: its type variables and the bases `typing.Generic[_T]` of `Paged` and
`typing.Protocol[_T]` of `PagerLike`. Type checkers read the real module (`__init__.py` imports
it under `TYPE_CHECKING`) and the package's stub. Any other name is looked up in the real
module, imported then.
"""

from __future__ import annotations

import types

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class TypeVar:
    """A type variable at run time: its name."""

    __slots__ = ("__name__",)

    def __init__(self, name: str, *constraints: Any, **options: Any) -> None:
        self.__name__ = name

    def __repr__(self) -> str:
        return "~" + self.__name__


class Generic:
    """The run-time base of the package's generic classes: `Paged[RoomInfo]` is a
    `types.GenericAlias` of `Paged`, usable where `typing.Generic` subclasses' aliases are."""

    __slots__ = ()
    __class_getitem__ = classmethod(types.GenericAlias)


Protocol = Generic


def __getattr__(name: str) -> Any:
    import typing

    return getattr(typing, name)
