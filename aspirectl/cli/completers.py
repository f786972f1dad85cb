"""Dynamic TAB completion. Cheap: no network, no DB, no heavy imports on the hot path.

Every value offered passes ``namecache.shell_safe``: zsh's completion script eval's what this
prints, and consumer names come from the gateway's database.
"""

from __future__ import annotations

from pathlib import Path

import click


def _chains_dir(ctx: click.Context) -> Path | None:
    value = ctx.find_root().params.get("chains")
    return Path(value) if value else None


def _catalog_names(ctx: click.Context, kind: str) -> list[str]:
    from aspirectl.cli.namecache import catalog_names, shell_safe

    try:
        return shell_safe(catalog_names(kind, _chains_dir(ctx)))
    except Exception:  # completion must never print a traceback into the shell
        return []


def output_formats(ctx: click.Context, args: list[str], incomplete: str) -> list[str]:
    """Only the formats this very command accepts (the root's -o: every format)."""
    from aspirectl.cli.formats import formats_of

    return [o for o in formats_of(ctx.command_path) if o.startswith(incomplete)]


def aliases(ctx: click.Context, args: list[str], incomplete: str) -> list[str]:
    return [n for n in _catalog_names(ctx, "aliases") if n.startswith(incomplete)]


def names(ctx: click.Context, args: list[str], incomplete: str) -> list[str]:
    pool = _catalog_names(ctx, "aliases") + _catalog_names(ctx, "families")
    return [n for n in pool if n.startswith(incomplete) and n not in args]


def consumers(ctx: click.Context, args: list[str], incomplete: str) -> list[str]:
    from aspirectl.cli.namecache import cached_consumers, shell_safe

    try:
        return [c for c in shell_safe(cached_consumers()) if c.startswith(incomplete)]
    except Exception:
        return []


def scenarios(ctx: click.Context, args: list[str], incomplete: str) -> list[str]:
    from aspirectl.sandbox.catalogue import SCENARIO_NAMES

    return [s for s in SCENARIO_NAMES if s.startswith(incomplete)]
