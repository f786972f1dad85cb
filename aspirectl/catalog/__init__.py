"""The chain catalog: chain files -> frozen typed model, with file:line validation.

Submodules are imported where needed (``catalog.loader``, ``catalog.model``, ...): importing
this package alone costs nothing, which keeps TAB completion fast.
"""
