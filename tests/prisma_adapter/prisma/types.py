"""prisma.types as LiteLLM imports them: typed dicts at run time are plain dicts."""


from prisma.ondemand import on_demand


class DatasourceOverride(dict):  # type: ignore[type-arg]
    pass


class HttpConfig(dict):  # type: ignore[type-arg]
    pass


__getattr__ = on_demand(globals(), dict)
