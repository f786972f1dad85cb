"""What the keys commands need besides the store: the DB URL, flag parsing, save targets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aspirectl.errors import UsageError
from aspirectl.keys.db import Database, open_database, parse_db_url
from aspirectl.litellm.releases import RELEASE_ENV
from aspirectl.secrets.store import Resolver

if TYPE_CHECKING:
    from aspirectl.keys.store import KeyStore

METADATA_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*\Z")


def db_url(flag_or_env: str | None, resolver: Resolver | None) -> str | None:
    """--db / ASPIRECTL_DB_URL, then the 'db-url' secret (env or keyring), else the default."""
    if flag_or_env:
        return flag_or_env
    return resolver.value("db-url") if resolver is not None else None


def describe_db(url: str | None) -> str:
    return parse_db_url(url).display


def connect(url: str | None, create: bool = False) -> Database:
    return open_database(url, create=create)


def parse_metadata(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not METADATA_KEY.match(key):
            raise UsageError(f"bad --metadata '{pair}'", hint="use key=value, e.g. --metadata team=ko")
        try:
            value = json.loads(raw)
            if not isinstance(value, (bool, int, float)) and value is not None:
                value = raw
        except ValueError:
            value = raw
        out[key] = value
    return out


def parse_budget(value: float | None) -> float | None:
    """--budget 0 is allowed, as LiteLLM allows it (a key that may spend nothing)."""
    if value is not None and (value < 0 or value != value):
        raise UsageError(f"--budget must be 0 or more, got {value:g}")
    return value


def parse_positive(value: float | None, flag: str) -> float | None:
    if value is not None and value <= 0:
        raise UsageError(f"{flag} must be more than 0, got {value:g}")
    return value


def save_target(value: str | None) -> tuple[str, Path | None]:
    """--save keyring | --save PATH -> ("keyring", None) | ("file", PATH) | ("screen", None)."""
    if value is None:
        return "screen", None
    if value == "keyring":
        return "keyring", None
    return "file", Path(value).expanduser()




def learn_release(flag: str | None, gateway_url: str | None, timeout: float = 3.0) -> tuple[str | None, str]:
    """The gateway's LiteLLM release, and where it was learnt: --litellm-version, then
    ASPIRECTL_LITELLM_VERSION, then the running gateway's /health/readiness answer (1.80.0's
    names its release; 1.85.0's and 1.108.7's do not, as recorded). (None, why) when none of
    them tells; a given value that is no release is a usage error."""
    import os

    from aspirectl.litellm.releases import is_release
    from aspirectl.textsafe import one_line

    for given, where in ((flag, "--litellm-version"), (os.environ.get(RELEASE_ENV), RELEASE_ENV)):
        if given:
            if not is_release(given):
                raise UsageError(f"{where} '{one_line(given, 40)}' is not a LiteLLM release",
                                 hint="a version such as 1.108.7")
            return given.strip(), where
    if not gateway_url:
        return None, "no --litellm-version, ASPIRECTL_LITELLM_VERSION or --gateway-url"
    from aspirectl.gateway.check import readiness
    from aspirectl.secrets.redact import display_url

    shown = one_line(display_url(gateway_url), 100)
    answer = readiness(gateway_url, timeout)
    if isinstance(answer, str):
        return None, f"the gateway at {shown}: {answer}"
    version = answer.body.get("litellm_version") if isinstance(answer.body, dict) else None
    if isinstance(version, str) and is_release(version):
        return version.strip(), f"the readiness answer of {shown}"
    return None, f"the gateway at {shown} does not report its release"


def refuse_to_replace_a_working_key(store: KeyStore, target: Path) -> None:
    """`keys create --save FILE` never writes over a file that holds a key the gateway still
    honours (not even with --force): whoever reads that file would lose a working key for one
    they may not be allowed to use. (A rotation replaces its own consumer's file: its old key
    stops, or is in grace.)"""
    from aspirectl.keys.tokens import KEY_PATTERN, hash_token
    from aspirectl.safefile import read_regular

    try:
        data, _ = read_regular(target, 64 * 1024)
    except OSError:
        return  # no file, or not one to read: the delivery's own checks speak for it
    text = data.decode("utf-8", "replace")
    found = {hash_token(m.group(0)): m.group(0) for m in KEY_PATTERN.finditer(text)}
    if not found:
        return
    working = [r for h, r in store.lookup(list(found)).items() if r.status.authenticates]
    if working:
        from aspirectl.textsafe import one_line

        held = working[0]
        raise UsageError(f"{target} holds {held.key_name} of {one_line(held.consumer, 80) or '?'}, a key "
                         "the gateway still honours; refusing to replace it",
                         hint="name another file (and revoke or rotate that key first if it must go)")
