"""aspirectl secrets set|list|delete: credentials in the OS keyring (or the environment)."""

from __future__ import annotations

from typing import Annotated

import typer

from aspirectl.cli.context import app_context
from aspirectl.cli.options import Output

app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                  help="Credentials for upstreams, the gateway key and the DB URL: OS keyring or "
                       "ASPIRECTL_SECRET_<NAME>.")

Name = Annotated[str, typer.Argument(help="Credential name, e.g. openai-api-key.", show_default=False)]
FIXED = {"gateway-key": "the gateway virtual key used by probe --gateway",
         "db-url": "the gateway database URL (when --db / ASPIRECTL_DB_URL is not given)"}


def known_names(app_ctx: object) -> dict[str, list[str]]:
    """Credential name -> what uses it: the catalog's upstreams, the gateway key, the DB URL."""
    used_by: dict[str, list[str]] = {}
    try:
        catalog = app_ctx.catalog()  # type: ignore[attr-defined]
        for up in catalog.upstreams.values():
            if up.auth.credential:
                used_by.setdefault(up.auth.credential, []).append(up.name)
    except Exception as exc:  # an unreadable catalog must not stop 'secrets list'
        app_ctx.say(f"note: chain files not read ({exc})")  # type: ignore[attr-defined]
    for name, purpose in FIXED.items():
        used_by.setdefault(name, []).append(purpose)
    return used_by


def _check(name: str, known: dict[str, list[str]] | None = None, force: bool = False) -> None:
    """A well-formed name that something uses; a typo is refused with what was meant (an
    environment-variable spelling like OPENAI_API_KEY included), unless --force."""
    from aspirectl.catalog.loader import CREDENTIAL_RE
    from aspirectl.errors import UsageError, did_you_mean
    from aspirectl.textsafe import one_line

    shown = one_line(name, 80)
    if not CREDENTIAL_RE.match(name):
        guess = name.lower().removeprefix("aspirectl_secret_").replace("_", "-")
        hint = f"did you mean {guess}?" if CREDENTIAL_RE.match(guess) and (
            known is None or guess in known) else "lowercase letters, digits and '-'"
        raise UsageError(f"bad credential name '{shown}'", hint=hint)
    if known is not None and name not in known and not force:
        hint = did_you_mean(name, known) or f"known: {', '.join(sorted(known))}"
        raise UsageError(f"no upstream, gateway or database uses a credential named '{shown}'",
                         hint=f"{hint} --force stores it anyway")


MAX_SECRET_BYTES = 64 * 1024  # the largest credential we know (a service-account JSON) is ~2.5 KiB


@app.command("set")
def set_(ctx: typer.Context, name: Name,
         force: Annotated[bool, typer.Option("--force", help="Store a name that nothing uses.")] = False,
         ) -> None:
    """Store a credential in the OS keyring. The value comes from a hidden prompt or stdin,
    never from the command line."""
    import getpass
    import sys

    from aspirectl.errors import UsageError
    from aspirectl.secrets.memory import no_core_dumps
    from aspirectl.secrets.store import KeyringSource, env_name

    app_ctx = app_context(ctx)
    _check(name, known_names(app_ctx), force)
    no_core_dumps()
    if sys.stdin.isatty():
        value = getpass.getpass(f"value for {name} (hidden): ")
    else:
        # Bounded: `secrets set NAME < /dev/zero` (or a file named by mistake) is refused at
        # the cap, not read until memory runs out.
        raw = sys.stdin.buffer.read(MAX_SECRET_BYTES + 1)
        if len(raw) > MAX_SECRET_BYTES:
            raise UsageError(f"the value on stdin is longer than {MAX_SECRET_BYTES // 1024} KiB: not a "
                             "credential; nothing stored")
        try:
            value = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise UsageError("the value on stdin is not UTF-8 text; nothing stored") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UsageError("the value holds a control character or a line break (a credential is one "
                         "line of text); nothing stored")
    if not value:
        raise UsageError("empty value; nothing stored")
    from aspirectl.secrets.redact import register

    register(value)
    KeyringSource().set(name, value)
    app_ctx.say(f"stored {name} in the OS keyring (service aspirectl); {env_name(name)} overrides it")


@app.command("list")
def list_(ctx: typer.Context, output: Output = None) -> None:
    """Which credentials are set, and where from. Never the values."""
    from aspirectl.render.structured import to_json
    from aspirectl.render.table import Table, render_table
    from aspirectl.secrets.store import EnvSource, KeyringSource, Resolver, env_name

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "secrets list")
    used_by = known_names(app_ctx)
    keyring = KeyringSource()
    resolver = Resolver([EnvSource(), keyring])
    rows = []
    for name in sorted(used_by):
        found = resolver.lookup(name)
        rows.append({"name": name, "set": found is not None, "source": found.origin if found else None,
                     "env": env_name(name), "used_by": used_by[name]})
    if fmt == "json":
        from aspirectl import documents

        app_ctx.emit(to_json(documents.secrets(keyring.describe(), rows)))
        return
    table = Table(("NAME", "SOURCE", "ENV VARIABLE", "USED BY"),
                  [(str(r["name"]), str(r["source"] or "not set"), str(r["env"]),
                    ", ".join(str(u) for u in used_by[str(r["name"])])) for r in rows])
    app_ctx.emit(render_table(table, app_ctx.style()))
    app_ctx.say(f"keyring: {keyring.describe()}")


@app.command("delete")
def delete(ctx: typer.Context, name: Name) -> None:
    """Remove a credential from the OS keyring."""
    from aspirectl.errors import OperationFailed
    from aspirectl.secrets.store import KeyringSource, env_name

    app_ctx = app_context(ctx)
    _check(name)
    if not KeyringSource().delete(name):
        raise OperationFailed(f"{name} is not in the OS keyring")
    app_ctx.say(f"deleted {name} from the OS keyring")
    import os

    if os.environ.get(env_name(name)):
        app_ctx.say(f"note: {env_name(name)} is still set in this environment")
