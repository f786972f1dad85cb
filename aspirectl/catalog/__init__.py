"""The chain catalog: chain files -> frozen typed model, with file:line validation."""

from aspirectl.catalog.model import Catalog
from aspirectl.catalog.problems import CatalogInvalid, Problem

__all__ = ["Catalog", "CatalogInvalid", "Problem"]
