"""What one probe costs, said once (the table's note, the README, the help)."""

from __future__ import annotations

# The hop request of protocols/gateway.py: "ping" and max_tokens 1. The prompt is the
# provider's own tokenisation of one user message (Anthropic counts ~8 input tokens for it,
# OpenAI ~7): at most about 10 in and 1 out per hop.
TOKENS_IN_PER_HOP = 10
TOKENS_OUT_PER_HOP = 1
COST_NOTE = (f"a run costs up to {TOKENS_IN_PER_HOP} input + {TOKENS_OUT_PER_HOP} output tokens per hop, "
             "billed only on paid hops")
