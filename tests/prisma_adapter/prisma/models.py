"""prisma.models as LiteLLM imports them: every model is a Record (attribute access, model_dump)."""

from typing import Any

from prisma.records import Record


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    made = type(name, (Record,), {})
    globals()[name] = made
    return made
