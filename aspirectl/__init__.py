"""aspirectl: the operator's command line for Aspire's LLM gateway."""

__version__ = "0.1.0"
