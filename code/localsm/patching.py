"""The record of changes made to other libraries' objects, and their undoing (`Patches`).

Kept apart from patches.py (the layers that decide what to change, and when) so that the
modules whose changes the layers apply (sdk_compat.py) can record into a `Patches` without
importing the layers back.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

REMOVE = object()  # `Patches.entry`: take the key out
_KEEP = object()


class Patches:
    """Changes made one by one, each recorded with what undoes it; `restore()` undoes them
    all, last first, and leaves every original exactly as it was (the same object)."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def then(self, undo: Callable[[], None]) -> None:
        """Run `undo` on `restore()` (a change made by other means)."""
        self._undo.append(undo)

    def attribute(self, owner: Any, name: str, value: Any) -> None:
        """`owner.name = value` (a module's or class's own attribute, or a new one)."""
        had = name in vars(owner)
        original = vars(owner).get(name)
        setattr(owner, name, value)

        def undo() -> None:
            if had:
                setattr(owner, name, original)
            elif name in vars(owner):
                delattr(owner, name)

        self.then(undo)

    def item(self, container: Any, key: Any, value: Any) -> None:
        """`container[key] = value` (a mutable flag of our own modules)."""
        original = container[key]
        container[key] = value
        self.then(lambda: container.__setitem__(key, original))

    def entry(self, mapping: Any, key: Any, value: Any = _KEEP) -> None:
        """`mapping[key] = value` (REMOVE: deleted; left out: unchanged, only recorded, so
        that whatever is there on restore is replaced by what is there now)."""
        had = key in mapping
        original = mapping.get(key)
        if value is REMOVE:
            mapping.pop(key, None)
        elif value is not _KEEP:
            mapping[key] = value

        def undo() -> None:
            if had:
                mapping[key] = original
            else:
                mapping.pop(key, None)

        self.then(undo)

    def environ(self, name: str, value: str | None, default: bool = False) -> None:
        """Set (or, with None, remove) an environment variable; `default`: only if unset."""
        if default and name in os.environ:
            return
        original = os.environ.get(name)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
        self.then(lambda: _put_env(name, original))

    def environ_by(self, change: Callable[[], None], names: Sequence[str]) -> None:
        """Run `change` (which edits the variables `names`); they are put back on restore."""
        originals = {name: os.environ.get(name) for name in names}
        change()

        def undo() -> None:
            for name, value in originals.items():
                _put_env(name, value)

        self.then(undo)

    def logger_level(self, name: str, level: int) -> None:
        logger = logging.getLogger(name)
        original = logger.level
        logger.setLevel(level)
        self.then(lambda: logger.setLevel(original))

    def logger_filter(self, name: str, log_filter: logging.Filter) -> None:
        logger = logging.getLogger(name)
        logger.addFilter(log_filter)
        self.then(lambda: logger.removeFilter(log_filter))

    def botocore_handlers(self, specs: Sequence[tuple[str, Callable]]) -> None:
        """(event, handler) pairs in `BUILTIN_HANDLERS` and on every live emitter."""
        from botocore import handlers

        ours = [handler for _, handler in specs]
        handlers.BUILTIN_HANDLERS.extend(specs)
        for emitter in _existing_emitters():
            for event, handler in specs:
                emitter.unregister(event, handler)  # never twice
                emitter.register(event, handler)

        def undo() -> None:
            handlers.BUILTIN_HANDLERS[:] = [
                spec for spec in handlers.BUILTIN_HANDLERS if not _is_one_of(spec[1], ours)
            ]
            for emitter in _existing_emitters():  # those given them, and those copied since
                for event, handler in specs:
                    emitter.unregister(event, handler)

        self.then(undo)

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()


def _put_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _is_one_of(obj: Any, objects: Sequence[Any]) -> bool:
    return any(obj is other for other in objects)


def _existing_emitters() -> list[Any]:
    """The event emitters of every botocore session and client alive now."""
    from botocore.hooks import HierarchicalEmitter

    # type(), not isinstance(): a dead weak proxy among the objects raises on `__class__`
    return [obj for obj in gc.get_objects() if issubclass(type(obj), HierarchicalEmitter)]


# ---------------------------------------------------------------------- the layers
