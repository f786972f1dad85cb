"""prisma.models as LiteLLM imports them: every model is a Record (attribute access, model_dump)."""


from prisma.ondemand import on_demand
from prisma.records import Record

__getattr__ = on_demand(globals(), Record)
