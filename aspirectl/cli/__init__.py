"""The command line: Typer only. Parses, calls the core, hands results to render/."""
