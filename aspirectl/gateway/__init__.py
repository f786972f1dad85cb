"""The running gateway: its LiteLLM config (export/check) and what it really serves (probe --gateway)."""
