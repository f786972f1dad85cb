"""prisma.engine.errors: the engine's own failures (no engine here: never raised)."""

from prisma.errors import PrismaError
from prisma.ondemand import on_demand


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


__getattr__ = on_demand(globals(), EngineError)
