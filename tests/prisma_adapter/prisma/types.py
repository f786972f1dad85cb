"""prisma.types as LiteLLM imports them: typed dicts at run time are plain dicts."""

from typing import Any


class DatasourceOverride(dict):  # type: ignore[type-arg]
    pass


class HttpConfig(dict):  # type: ignore[type-arg]
    pass


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    made = type(name, (dict,), {})
    globals()[name] = made
    return made
