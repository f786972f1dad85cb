"""Live probes of every hop: provider adapters, table-driven classification, async runner."""
