"""Global settings: flags, then environment, then defaults (resolved once, typed)."""


import os
import sys
from pathlib import Path
from typing import NamedTuple

from aspirectl import paths


def _color_allowed(no_color_flag: bool, stream_is_tty: bool) -> bool:
    if no_color_flag or os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("TERM", "") in ("dumb", "unknown"):
        return False
    if os.environ.get("CLICOLOR_FORCE", "") not in ("", "0"):
        return True
    return stream_is_tty


class Settings(NamedTuple):
    chains_dir: Path
    db_url: str | None
    gateway_url: str | None  # the first of gateway_urls
    output: str | None
    color: bool
    tty: bool
    verbose: bool
    chains_source: str = "--chains"
    gateway_urls: tuple[str, ...] = ()  # every --gateway-url, or ASPIRECTL_GATEWAY_URL's list

    @classmethod
    def resolve(
        cls,
        *,
        chains: Path | None = None,
        db: str | None = None,
        gateway: str | list[str] | tuple[str, ...] | None = None,
        output: str | None = None,
        no_color: bool = False,
        verbose: bool = False,
    ) -> "Settings":
        env = os.environ
        if chains is not None:
            chains_dir, source = chains, "--chains"
        elif env.get("ASPIRECTL_CHAINS"):
            chains_dir, source = Path(env["ASPIRECTL_CHAINS"]), "ASPIRECTL_CHAINS"
        else:
            chains_dir, source = paths.default_chains()
        stdout_tty = sys.stdout is not None and sys.stdout.isatty()  # None: stdout was closed
        tty = stdout_tty or env.get("ASPIRECTL_FORCE_TTY", "") not in ("", "0")
        flagged = [gateway] if isinstance(gateway, str) else list(gateway or [])
        # ASPIRECTL_GATEWAY_URL: one URL, or the replicas separated by commas or spaces
        urls = tuple(u for u in flagged if u) or tuple(
            u for u in env.get("ASPIRECTL_GATEWAY_URL", "").replace(",", " ").split() if u)
        return cls(
            chains_dir=chains_dir,
            db_url=db or env.get("ASPIRECTL_DB_URL") or None,
            gateway_url=urls[0] if urls else None,
            output=output,
            color=_color_allowed(no_color, tty),
            tty=tty,
            verbose=verbose,
            chains_source=source,
            gateway_urls=urls,
        )
