"""prisma.client as LiteLLM imports it."""

from prisma import Prisma as Prisma
from prisma import TransactionManager as TransactionManager
