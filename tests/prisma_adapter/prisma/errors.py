"""prisma.errors as LiteLLM imports them: the classes it catches."""

from prisma.ondemand import on_demand


class PrismaError(Exception):
    code: str | None = None  # Prisma's error code (P2002, ...), where the engine would give one


class ClientNotConnectedError(PrismaError):
    pass


class DataError(PrismaError):
    def __init__(self, message: str = "", data: object = None) -> None:
        super().__init__(message)
        self.data = data


class UniqueViolationError(DataError):
    code = "P2002"


class ForeignKeyViolationError(DataError):
    code = "P2003"


class MissingRequiredValueError(DataError):
    pass


class RecordNotFoundError(DataError):
    code = "P2025"


class FieldNotFoundError(DataError):
    pass


class TableNotFoundError(DataError):
    pass


class RawQueryError(DataError):
    pass


class EngineConnectionError(PrismaError):
    pass


class HTTPClientClosedError(PrismaError):
    pass


class TransactionError(PrismaError):
    pass


class TransactionExpiredError(TransactionError):
    pass


class TransactionNotFoundError(TransactionError):
    pass


__getattr__ = on_demand(globals(), PrismaError)
