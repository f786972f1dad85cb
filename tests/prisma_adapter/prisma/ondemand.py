"""The generated client has a class for every model, type and error: here each is made on
first use, a subclass of the module's base, so `from prisma.models import X` always works."""

from collections.abc import Callable
from typing import Any


def on_demand(namespace: dict[str, Any], base: type) -> Callable[[str], type]:
    def make(name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)
        made = type(name, (base,), {})
        namespace[name] = made
        return made

    return make
