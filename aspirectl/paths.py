"""XDG locations (data, state, cache, runtime) and the default chains directory."""

from __future__ import annotations

import os
from pathlib import Path

APP = "aspirectl"


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var, "")
    base = Path(value) if value and os.path.isabs(value) else Path.home() / fallback
    return base / APP


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state")


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache")


def runtime_dir() -> Path:
    value = os.environ.get("XDG_RUNTIME_DIR", "")
    if value and os.path.isabs(value) and os.path.isdir(value):
        return Path(value) / APP
    return state_dir()


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def packaged_chains() -> Path:
    """The chain files installed with the package (or the checkout's chains/)."""
    here = Path(__file__).resolve().parent
    installed = here / "_chains"
    return installed if installed.is_dir() else here.parent / "chains"


def default_chains_dir() -> Path:
    local = Path("chains")
    if local.is_dir() and any(local.glob("*.y*ml")):
        return local
    return packaged_chains()
