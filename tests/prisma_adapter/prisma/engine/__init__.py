"""prisma.engine as LiteLLM imports it (its error classes only)."""

from prisma.engine import errors as errors
