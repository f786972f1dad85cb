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


def ensure_private_dir(path: Path, *, elsewhere: str = "point the XDG_* variable at a directory "
                       "of your own") -> Path:
    """aspirectl's own directory (state, cache, runtime, data, a sandbox's catalog): created
    0700, and refused if it is a symlink, belongs to another user or others may write to it
    (whoever owns the state directory decides what cron reads and where its lock and state
    files point). ``elsewhere`` is the second half of the hint when it belongs to another."""
    from aspirectl.safefile import OperatorPathError

    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = path.lstat()
    except OSError as exc:
        raise OperatorPathError(f"cannot use the directory {path}: {exc.strerror or exc}") from None
    import stat

    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise OperatorPathError(f"refusing to use {path}: it is not a plain directory (a symlink?)",
                                hint="remove it; aspirectl creates it again, 0700")
    if info.st_uid != os.geteuid():
        raise OperatorPathError(f"refusing to use {path}: it belongs to uid {info.st_uid}, not to "
                                f"this user (uid {os.geteuid()})",
                                hint=f"remove it or {elsewhere}")
    if info.st_mode & 0o022:
        raise OperatorPathError(f"refusing to use {path}: other users may write to it "
                                f"(mode {stat.S_IMODE(info.st_mode):04o})", hint=f"chmod 700 {path}")
    return path


def packaged_chains() -> Path:
    """The chain files installed with the package (or the checkout's chains/)."""
    here = Path(__file__).resolve().parent
    installed = here / "_chains"
    return installed if installed.is_dir() else here.parent / "chains"


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def operator_chains() -> Path:
    """The operator's own catalog: $XDG_CONFIG_HOME/aspirectl/chains."""
    return config_dir() / "chains"


def default_chains() -> tuple[Path, str]:
    """(directory, where it came from) when neither --chains nor ASPIRECTL_CHAINS is given.

    Never the working directory: the catalog decides where credentials are sent, and a
    ``chains/`` folder in whatever directory cron or a shell happens to be in is nobody's
    decision. ``./chains`` is used only when named (``--chains chains``)."""
    own = operator_chains()
    if own.is_dir() and any(own.glob("*.y*ml")):
        check_trusted_catalog(own)
        return own, "the operator's catalog ($XDG_CONFIG_HOME/aspirectl/chains)"
    return packaged_chains(), "the catalog installed with aspirectl"


def check_trusted_catalog(directory: Path) -> None:
    """The catalog aspirectl picks up on its own (nobody named it) decides where every
    credential is sent, so like ssh's own files it must be the user's (or root's) and
    writable by nobody else: the directory, and each chain file in it. A catalog named with
    --chains or ASPIRECTL_CHAINS is the operator's explicit choice and is not checked."""
    import stat

    from aspirectl.safefile import OperatorPathError

    me = os.geteuid()
    for path in [directory, *sorted(directory.glob("*.y*ml"))]:
        try:
            info = path.stat()  # a link is judged by what it points at: that is what is read
        except OSError as exc:
            raise OperatorPathError(f"cannot use the catalog file {path}: {exc.strerror or exc}") from None
        if info.st_uid not in (me, 0):
            raise OperatorPathError(
                f"refusing the catalog {directory}: {path.name} belongs to uid {info.st_uid}, "
                f"not to this user (uid {me}) or root",
                hint="the catalog decides where credentials are sent: chown it, or name one with --chains")
        if info.st_mode & 0o022:
            raise OperatorPathError(
                f"refusing the catalog {directory}: other users may write to {path.name} "
                f"(mode {stat.S_IMODE(info.st_mode):04o})",
                hint=f"chmod go-w {path}")


def default_chains_dir() -> Path:
    return default_chains()[0]
