"""What a Prisma query returns: a pydantic model with the row's columns as attributes."""

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    def dict(self, *args, **kwargs):  # type: ignore[override]  # pydantic v1 spelling LiteLLM uses
        return self.model_dump(*args, **kwargs)

    def json(self, *args, **kwargs):  # type: ignore[override]
        return self.model_dump_json(*args, **kwargs)
