"""prisma.engine.errors: the engine's own failures (no engine here: never raised)."""

from prisma.errors import PrismaError


class EngineError(PrismaError):
    pass


class UnprocessableEntityError(EngineError):
    pass


class NotConnectedError(EngineError):
    pass


class AlreadyConnectedError(EngineError):
    pass


class EngineConnectionError(EngineError):
    pass


class EngineRequestError(EngineError):
    pass


def __getattr__(name: str) -> type:
    if name.startswith("__"):
        raise AttributeError(name)
    made = type(name, (EngineError,), {})
    globals()[name] = made
    return made
