"""aspirectl keys: the gateway's virtual keys, in its own database, LiteLLM-compatible."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aspirectl.cli import completers
from aspirectl.cli.context import AppContext, app_context
from aspirectl.cli.formats import PLAIN
from aspirectl.cli.options import Output

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aspirectl.keys.delivery import FileDelivery, KeyringDelivery, ScreenDelivery
    from aspirectl.keys.model import NewKey
    from aspirectl.keys.store import KeyStore

    Delivery = FileDelivery | KeyringDelivery | ScreenDelivery

app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                  help="Create, list, rotate, revoke and scan the gateway's virtual keys.")

Consumer = Annotated[str, typer.Argument(help="The consumer (LiteLLM key_alias).",
                                         autocompletion=completers.consumers, show_default=False)]
Save = Annotated[str | None, typer.Option(
    "--save", help="'keyring', or a FILE to write KEY=value into (0600), instead of the terminal.",
    metavar="keyring|FILE", show_default=False)]
Var = Annotated[str, typer.Option("--var", help="Variable name in the --save file.")]
CreateDb = Annotated[bool, typer.Option("--create", help="Start a new SQLite key store at --db "
                                        "if the file does not exist (never implied: a typo would "
                                        "start an empty one).")]
Force = Annotated[bool, typer.Option("--force", help="Let --save FILE replace a file that holds "
                                     "something else.")]
FORMATS = PLAIN


@contextlib.contextmanager
def _store(app_ctx: AppContext, *, remember: bool = False, release: tuple[str | None, str] | None = None,
           found: bool = False, create: bool = False) -> Iterator[KeyStore]:
    """The key store of the configured DB (named on stderr with what it found), closed
    afterwards; with ``remember`` the consumers are cached for TAB completion."""
    import os

    from aspirectl.keys import service
    from aspirectl.keys.store import KeyStore
    from aspirectl.litellm.releases import RELEASE_ENV

    url = service.db_url(app_ctx.settings.db_url, app_ctx.resolver())
    app_ctx.say(f"database: {_database(app_ctx)}")
    db = service.connect(url, create=create)
    try:
        if release is None:
            env = os.environ.get(RELEASE_ENV)
            release = (env, RELEASE_ENV) if env else (None, "")
        store = KeyStore(db, release=release[0], release_source=release[1])
        if found:  # keys list/show: what this gateway's schema and release allow
            app_ctx.say(f"database: {store.caps.describe()}")
        yield store
        if remember:
            from aspirectl.cli.namecache import remember_consumers

            remember_consumers(store.consumers())
    finally:
        db.close()


def _replicas(app_ctx: AppContext) -> tuple[str, ...]:
    """The gateway's replicas: --gateway-url (repeatable) or ASPIRECTL_GATEWAY_URL, else the
    catalog's gateway.replicas (a catalog that does not load never stops a key change)."""
    from aspirectl.checks import check_url, gateway_urls
    from aspirectl.errors import AspirectlError

    flagged = app_ctx.settings.gateway_urls
    try:
        return gateway_urls(flagged, app_ctx.catalog())
    except AspirectlError:
        return tuple(dict.fromkeys(check_url(u, "gateway", "--gateway-url") for u in flagged))


class _Caches:
    """Dropping a changed key from every replica's cache (keys/evict.py), said on stderr."""

    def __init__(self, app_ctx: AppContext) -> None:
        from aspirectl.keys.evict import ADMIN_KEY

        self.app_ctx = app_ctx
        self.urls = _replicas(app_ctx)
        self.admin = app_ctx.resolver().value(ADMIN_KEY) if self.urls else None
        self.evictions: list[Any] | None = None

    def drop(self, tokens: list[str]) -> None:
        from aspirectl.checks import plain_http_gateway
        from aspirectl.keys.evict import evict

        if self.urls and self.admin and tokens:
            for url in self.urls:  # the admin key goes only to the replicas named, and says how
                for warning in plain_http_gateway(url):
                    self.app_ctx.say(f"warning: {warning.replace('gateway key', 'admin key')}")
            self.evictions = evict(self.urls, self.admin, tokens)

    def report(self) -> bool:
        """Say what each replica does now; False when one may still honour the key."""
        from datetime import UTC, datetime

        from aspirectl.keys.evict import settled
        from aspirectl.render.keys import cache_lines

        now = datetime.now(UTC)
        evictions = settled(self.evictions, now) if self.evictions is not None else None
        for line in cache_lines(evictions, len(self.urls), bool(self.admin), now + _ttl()):
            self.app_ctx.say(line)
        return not self.urls or (evictions is not None and all(e.dropped for e in evictions))

    def to_list(self) -> list[dict[str, Any]] | None:
        return None if self.evictions is None else [e.to_dict() for e in self.evictions]


def _ttl() -> Any:
    from datetime import timedelta

    from aspirectl.keys.evict import CACHE_TTL_S

    return timedelta(seconds=CACHE_TTL_S)


def _database(app_ctx: AppContext) -> str:
    """The key database as shown to people and in every keys JSON document (no password)."""
    from aspirectl.keys import service

    return service.describe_db(service.db_url(app_ctx.settings.db_url, app_ctx.resolver()))


def _delivery(app_ctx: AppContext, save: str | None, var: str, fmt: str,
              extra: dict[str, Any] | None = None, *, consumer: str | None = None,
              force: bool = False) -> Delivery:
    from aspirectl.documents import new_key
    from aspirectl.keys import delivery, service
    from aspirectl.render.structured import to_json

    kind, path = service.save_target(save)
    if kind == "file":
        assert path is not None
        chosen = delivery.FileDelivery(lambda _key: path, var, force=force)
        chosen.check(path, consumer)
        return chosen
    if kind == "keyring":
        return delivery.KeyringDelivery()

    def show(key: NewKey) -> None:
        if fmt == "json":
            app_ctx.emit(to_json(new_key(key, _database(app_ctx), include_plaintext=True, extra=extra),
                                 secret=True))
        else:
            app_ctx.say(f"new key for {key.consumer} ({key.record.key_name}), shown once — store it now:")
            app_ctx.emit(key.plaintext + "\n")

    return delivery.ScreenDelivery(show, void=lambda text: app_ctx.say(f"aspirectl: error: {text}"))


def _saved_note(app_ctx: AppContext, chosen: object, key: NewKey) -> None:
    from aspirectl.keys.delivery import FileDelivery, KeyringDelivery, keyring_name

    if isinstance(chosen, FileDelivery):
        app_ctx.say(f"saved {key.record.key_name} for {key.consumer} to {chosen.written[0]} (0600, "
                    f"{chosen.var}=...)")
    elif isinstance(chosen, KeyringDelivery):
        app_ctx.say(f"saved {key.record.key_name} for {key.consumer} in the OS keyring "
                    f"(service aspirectl, name {keyring_name(key.consumer)})")


@app.command("create")
def create(
    ctx: typer.Context,
    consumer: Consumer,
    models: Annotated[str | None, typer.Option("--models", help="Aliases or families, comma "
                                               "separated (default: all).", metavar="A,B")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="e.g. 90d, 24h.",
                                                metavar="DURATION")] = None,
    budget: Annotated[float | None, typer.Option("--budget", help="Max budget in USD.")] = None,
    rpm: Annotated[int | None, typer.Option("--rpm", help="Requests per minute.")] = None,
    tpm: Annotated[int | None, typer.Option("--tpm", help="Tokens per minute.")] = None,
    metadata: Annotated[list[str] | None, typer.Option("--metadata", help="k=v (repeatable).")] = None,
    save: Save = None,
    var: Var = "LITELLM_API_KEY",
    allow_second: Annotated[bool, typer.Option("--allow-second", help="Even if the consumer has an "
                                               "active key.")] = False,
    monitoring: Annotated[bool, typer.Option(
        "--monitoring", help="A key for 'probe --via-gateway' from a monitoring host: it may call every "
        "hop's model group and nothing else, with a small budget and rate limit (defaults: "
        "keys/monitoring.py; --budget/--rpm/--tpm/--expires override them).")] = False,
    force: Force = False,
    create_db: CreateDb = False,
    output: Output = None,
) -> None:
    """Mint a key (sk- + token_urlsafe(16)); store only its SHA-256; show the plaintext once."""
    from aspirectl.keys import service
    from aspirectl.keys.store import check_consumer

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    check_consumer(consumer)
    spec = _spec(app_ctx, models, expires, budget, rpm, tpm, metadata, monitoring)
    chosen = _delivery(app_ctx, save, var, fmt, consumer=consumer, force=force)
    with _store(app_ctx, remember=True, create=create_db) as store:
        if save and save != "keyring":
            service.refuse_to_replace_a_working_key(store, Path(save).expanduser())
        key = store.create(consumer, spec, allow_second=allow_second, delivery=chosen)
    _saved_note(app_ctx, chosen, key)


def _spec(app_ctx: Any, models: str | None, expires: str | None, budget: float | None, rpm: int | None,
          tpm: int | None, metadata: list[str] | None, monitoring: bool) -> Any:
    """The new key's limits from the options (a monitoring key: its own defaults under them)."""
    from aspirectl.durations import parse_duration
    from aspirectl.errors import UsageError
    from aspirectl.keys import service
    from aspirectl.keys.fleet import resolve_models
    from aspirectl.keys.store import KeySpec

    if monitoring:
        from aspirectl.keys.monitoring import monitoring_spec

        if models is not None:
            raise UsageError("--monitoring chooses the models itself (every hop's model group)",
                             hint="leave --models out")
        return monitoring_spec(
            app_ctx.catalog(), parse_duration(expires, "--expires") if expires else None,
            service.parse_budget(budget), int(service.parse_positive(rpm, "--rpm") or 0) or None,
            int(service.parse_positive(tpm, "--tpm") or 0) or None, service.parse_metadata(metadata or []))
    return KeySpec(
        models=resolve_models(app_ctx.catalog(), [m.strip() for m in models.split(",") if m.strip()])
        if models is not None else (),
        expires_in=parse_duration(expires, "--expires") if expires else None,
        max_budget=service.parse_budget(budget),
        rpm_limit=int(service.parse_positive(rpm, "--rpm") or 0) or None,
        tpm_limit=int(service.parse_positive(tpm, "--tpm") or 0) or None,
        metadata=service.parse_metadata(metadata or []),
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also blocked and expired keys.")] = False,
    output: Output = None,
) -> None:
    """Every key (paged internally, never just the first 10), UI session keys hidden."""
    from aspirectl.render.keys import stream_json, stream_table

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    database = _database(app_ctx)
    with _store(app_ctx, remember=True, found=True) as store:
        pages = store.iter_keys(include_all=all_)  # streamed: the first page prints at once
        for chunk in stream_json(pages, database) if fmt == "json" else stream_table(pages):
            app_ctx.emit(chunk)


@app.command("show")
def show(ctx: typer.Context, consumer: Consumer, output: Output = None) -> None:
    """One consumer's keys: active, in grace, blocked, expired; limits, spend, rotations."""
    from aspirectl import documents
    from aspirectl.render.keys import detail
    from aspirectl.render.structured import to_json

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    with _store(app_ctx, found=True) as store:
        records = store.show(consumer)
    if fmt == "json":
        app_ctx.emit(to_json(documents.keys(_database(app_ctx), records)))
    else:
        app_ctx.emit(detail(records))
    from aspirectl.keys.fleet import missing_fallback_groups

    for record in records:
        missing = missing_fallback_groups(app_ctx.catalog(), list(record.models))
        if missing and record.status.authenticates:
            app_ctx.say(f"note: {record.key_name} may not use {', '.join(missing)}: from LiteLLM 1.100 the "
                        "router checks a key's access to each fallback group, so this key gets its first "
                        "hop's error instead of the fallback (re-create it with --models naming the aliases)")


@app.command("rotate")
def rotate(
    ctx: typer.Context,
    consumer: Consumer,
    grace: Annotated[str | None, typer.Option("--grace", help="How long the old key keeps working "
                                              "(default 24h; only where the gateway honours it).",
                                              metavar="DURATION")] = None,
    now: Annotated[bool, typer.Option("--now", help="The old key stops at once (compromise).")] = False,
    end_grace: Annotated[bool, typer.Option(
        "--end-grace", help="Mint nothing: end the grace period of the consumer's old keys now.")] = False,
    litellm_version: Annotated[str | None, typer.Option(
        "--litellm-version", help="The gateway's LiteLLM release, when neither ASPIRECTL_LITELLM_VERSION "
        "nor --gateway-url (its readiness answer) tells it.", metavar="X.Y.Z", show_default=False)] = None,
    key: Annotated[str | None, typer.Option("--key", help="Which key, when the consumer has two.",
                                            metavar="sk-...abcd")] = None,
    save: Save = None,
    var: Var = "LITELLM_API_KEY",
    force: Force = False,
    output: Output = None,
) -> None:
    """Like LiteLLM's regenerate, in one transaction: archive, move the row to the new hash,
    keep the old hash valid until the grace period ends (or not, with --now). A grace period is
    only promised where the gateway honours it (the deprecated-key table and LiteLLM 1.89.1+)."""
    from aspirectl.durations import describe, parse_duration
    from aspirectl.errors import UsageError
    from aspirectl.keys import service
    from aspirectl.keys.model import CACHE_TTL_NOTE

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    if sum(map(bool, (now, grace, end_grace))) > 1:
        raise UsageError("--grace, --now and --end-grace exclude each other")
    if end_grace:
        with _store(app_ctx) as store:
            ended = store.end_grace(consumer)
        app_ctx.say(f"ended the grace period of {ended} old key(s) of {consumer}; {CACHE_TTL_NOTE}")
        return
    period = None if now else parse_duration(grace or "24h", "--grace")
    release = None
    if period is not None:
        release = service.learn_release(litellm_version, app_ctx.settings.gateway_url)
    chosen = _delivery(app_ctx, save, var, fmt, consumer=consumer, force=force)
    caches = _Caches(app_ctx) if now else None
    reopened: frozenset[str] = frozenset()
    if caches is not None:  # --now: every replica drops the old key while its row still exists
        with _store(app_ctx) as store:
            old = store.rotation_target(consumer, key)
        caches.drop(old)
        reopened = frozenset(old) if caches.evictions else frozenset()
    with _store(app_ctx, release=release) as store:
        rotation = store.rotate(consumer, period, key=key, delivery=chosen, reopened=reopened)
    _saved_note(app_ctx, chosen, rotation.new)
    if rotation.revoke_at is not None:
        assert period is not None
        app_ctx.say(f"the old key {rotation.old_key_name} keeps working for {describe(period)}, until "
                    f"{rotation.revoke_at:%Y-%m-%d %H:%M} UTC (then up to ~60 s more from the gateway's "
                    f"cache); end it early with 'aspirectl keys rotate {consumer} --end-grace'")
    else:
        app_ctx.say(f"the old key {rotation.old_key_name} is no longer accepted")
        if caches is not None and not caches.report():
            raise typer.Exit(1)


@app.command("revoke")
def revoke(ctx: typer.Context, consumer: Consumer, output: Output = None) -> None:
    """Block the consumer's keys (reversible in the DB) and end any grace period; with the
    gateway's replicas named (--gateway-url, gateway.replicas) and its admin key, drop the keys
    from every replica's cache: refused everywhere at once. Exit 1 when a replica may still
    honour them (named, with the time its cache lets go)."""
    from aspirectl import documents
    from aspirectl.render.structured import to_json

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    caches = _Caches(app_ctx)
    with _store(app_ctx) as store:
        records = store.revoke(consumer)  # the database first: the source of truth
    caches.drop([r.token for r in records])  # then every replica's cache (the row is there, blocked)
    if fmt == "json":
        app_ctx.emit(to_json(documents.keys(_database(app_ctx), records, caches.to_list())))
    else:
        app_ctx.emit("".join(f"revoked {r.key_name} of {consumer}\n" for r in records))
    if not caches.report():
        raise typer.Exit(1)


@app.command("delete")
def delete(
    ctx: typer.Context,
    consumer: Consumer,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Archive the consumer's keys (deleted_at, deleted_by) and delete them; with the gateway's
    replicas and admin key, each replica drops them from its cache first (they are blocked
    there, then deleted). Exit 1 when a replica may still honour them."""
    import sys

    from aspirectl.errors import UsageError

    app_ctx = app_context(ctx)
    if not yes and not sys.stdin.isatty():
        raise UsageError(f"refusing to delete {consumer}'s keys without --yes (no terminal to ask)")
    with _store(app_ctx) as store:
        if not yes:  # ask with what the database holds: which database, how many keys
            found = store.show(consumer)
            live = sum(1 for r in found if r.status.authenticates)
            answer = typer.prompt(f"delete {len(found)} key{'s' if len(found) != 1 else ''} of {consumer} "
                                  f"({live} still working) from {_database(app_ctx)}? type '{consumer}'",
                                  default="", show_default=False)
            if answer.strip() != consumer:
                raise UsageError("not confirmed; nothing deleted")
        tokens = store.tokens_of(consumer)
    caches = _Caches(app_ctx)
    caches.drop(tokens)  # while the rows exist: a replica cannot drop a key the DB no longer has
    with _store(app_ctx) as store:
        records = store.delete(consumer)
    app_ctx.emit("".join(f"deleted {r.key_name} of {consumer} (archived)\n" for r in records))
    if not caches.report():
        raise typer.Exit(1)


@app.command("provision")
def provision(
    ctx: typer.Context,
    fleet_file: Annotated[Path, typer.Argument(help="FLEET.yaml", metavar="FLEET.yaml",
                                               exists=False, show_default=False)],
    save: Annotated[str | None, typer.Option(
        "--save", help="'keyring', or a DIR for one 0600 env file per consumer (overrides the file).",
        metavar="keyring|DIR", show_default=False)] = None,
    create_db: CreateDb = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (which keys would be "
                                          "created, which kept, where each would go) and change nothing.")]
    = False,
    output: Output = None,
) -> None:
    """A key per fleet member that has none; idempotent; keys go to files or the keyring, never
    to the terminal."""
    from aspirectl.documents import provision as provision_document
    from aspirectl.errors import ConfigError, UsageError
    from aspirectl.keys.delivery import FileDelivery, KeyringDelivery
    from aspirectl.keys.fleet import load_fleet
    from aspirectl.render.keys import provision_text
    from aspirectl.render.structured import to_json

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    if not fleet_file.is_file():
        raise ConfigError(f"no such fleet file: {fleet_file}")
    fleet = load_fleet(fleet_file, app_ctx.catalog())
    if save == "keyring" or (save is None and fleet.save_keyring):
        chosen: FileDelivery | KeyringDelivery = KeyringDelivery()
    else:
        directory = Path(save).expanduser() if save else fleet.save_dir
        if directory is None:
            raise UsageError("no place to save the keys", hint="add 'save: {dir: DIR}' to the fleet file, "
                                                               "or pass --save DIR or --save keyring")
        if not dry_run:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        chosen = FileDelivery(lambda key: directory / f"{key.consumer}.env", fleet.save_var)
    if dry_run:
        with _store(app_ctx) as store:
            create, keep = store.plan(fleet.members)

        def target(consumer: str) -> str:
            if directory is None or not isinstance(chosen, FileDelivery):
                return f"keyring:key-{consumer}"
            path = directory / f"{consumer}.env"
            return f"{path}" + (" (exists: replaced)" if path.exists() else "")

        if fmt == "json":
            from aspirectl.documents import provision_plan

            app_ctx.emit(to_json(provision_plan(_database(app_ctx), fleet.name,
                                                [{"consumer": c, "to": target(c)} for c in create], keep)))
        else:
            app_ctx.emit("".join(f"would create  {c}  -> {target(c)}\n" for c in create)
                         + "".join(f"keep          {c}  (has an active key; unchanged)\n" for c in keep))
            app_ctx.say(f"fleet {fleet.name}: {len(create)} would be created, {len(keep)} kept; dry run: "
                        "nothing was changed")
        return
    with _store(app_ctx, remember=True, create=create_db) as store:
        result = store.provision(fleet.members, delivery=chosen)
    where = {k.consumer: (str(directory / f"{k.consumer}.env") if directory is not None
                          and isinstance(chosen, FileDelivery) else f"keyring:key-{k.consumer}")
             for k in result.created}
    if fmt == "json":
        app_ctx.emit(to_json(provision_document(_database(app_ctx), fleet.name, result, where)))
        return
    app_ctx.emit(provision_text(result, where))
    app_ctx.say(f"fleet {fleet.name}: {len(result.created)} created, {len(result.existing)} already "
                "had a key")


@app.command("scan")
def scan(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or directories.", show_default=False)],
    output: Output = None,
) -> None:
    """Find sk-... keys in files; report those that open the gateway (exit 1 if any), never
    printing more than sk-...abcd."""
    from aspirectl.documents import scan as scan_document
    from aspirectl.errors import UsageError
    from aspirectl.keys.scan import match, sightings
    from aspirectl.render.keys import scan_summary, scan_text
    from aspirectl.render.structured import to_json

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    found, skipped = sightings(paths)
    for note in skipped:
        app_ctx.say(f"skipped {note}")
    with _store(app_ctx) as store:
        records = store.lookup([t for s in found for t in s.tokens]) if found else {}
    findings = [match(s, records) for s in found]
    if fmt == "json":
        app_ctx.emit(to_json(scan_document(_database(app_ctx), findings)))
    else:
        app_ctx.emit(scan_text(findings))
        app_ctx.say(scan_summary(findings))
    live = sorted({f.record.consumer or "" for f in findings if f.live and f.record})
    if live:
        from aspirectl.keys.store import is_consumer
        from aspirectl.textsafe import one_line

        # A copy-paste command only for a name aspirectl itself would take: an alias from the
        # DB such as "x; curl ... | sh" is named (made printable), never put into a command.
        fixes = [f"aspirectl keys rotate {c} --now" for c in live if is_consumer(c)]
        odd = [one_line(c, 80) or "(no alias)" for c in live if not is_consumer(c)]
        if fixes:
            app_ctx.say(f"rotate the exposed keys: {', '.join(fixes)}")
        if odd:
            app_ctx.say("also exposed, under an alias that is no consumer name (rotate or revoke them "
                        f"with LiteLLM's own API): {', '.join(repr(o) for o in odd)}")
        raise typer.Exit(1)


@app.command("audit")
def audit(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or directories to scan for keys in plaintext too (as 'keys scan').",
        show_default=False)] = None,
    expiring: Annotated[str, typer.Option("--expiring", help="Days before expiry to warn at, comma "
                                          "separated (within 1 day is CRITICAL).", metavar="DAYS")] = "7,3,1",
    unused: Annotated[int, typer.Option("--unused", help="A working key unused this many days is a "
                                        "finding.", metavar="DAYS", min=1)] = 90,
    budget_warn: Annotated[float, typer.Option("--budget-warn", help="WARNING at this share of a key's "
                                               "budget (100%: CRITICAL).", metavar="PCT", min=1,
                                               max=100)] = 80.0,
    many_sources: Annotated[int, typer.Option("--many-sources", help="One key used from this many "
                                              "requester addresses (30 days) is shared.", metavar="N",
                                              min=2)] = 3,
    output: Output = None,
    textfile: Annotated[Path | None, typer.Option(
        "--textfile", help="Also write Prometheus metrics here, atomically.", metavar="PATH",
        dir_okay=False)] = None,
) -> None:
    """Key hygiene for cron: expiring keys, keys at their budget, unused keys, keys without a
    model restriction, grace periods ending, duplicate or missing aliases, one key shared by
    many agents, keys in plaintext in the given files. Each finding names the consumer and the
    next command.

    Exit (Nagios): 0 no finding, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (no usable database).
    """
    from aspirectl import documents
    from aspirectl.errors import UsageError
    from aspirectl.keys.audit import Thresholds
    from aspirectl.keys.audit import audit as run_audit
    from aspirectl.keys.model import utcnow
    from aspirectl.render.keys import audit_nagios, audit_prometheus, audit_text
    from aspirectl.render.structured import to_json

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "keys audit")
    try:
        days = tuple(sorted({int(d) for d in expiring.split(",") if d.strip()}, reverse=True))
    except ValueError:
        raise UsageError(f"--expiring '{expiring}' is not a list of days", hint="e.g. 7,3,1") from None
    if not days or min(days) < 1:
        raise UsageError("--expiring takes whole days of 1 or more, e.g. 7,3,1")
    thresholds = Thresholds(days, budget_warn, unused, many_sources)
    scanned = []
    if paths:
        from aspirectl.keys.scan import match, sightings

        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise UsageError(f"no such file or directory: {missing[0]}")
        found, _ = sightings(paths)
        with _store(app_ctx) as store:
            records = store.lookup([t for s in found for t in s.tokens]) if found else {}
        scanned = [match(s, records) for s in found]
    with _store(app_ctx) as store:
        report = run_audit(store, _database(app_ctx), utcnow(), thresholds, scanned)
    if textfile:
        from aspirectl.state import write_textfile

        write_textfile(textfile, audit_prometheus(report))
    renderers = {"table": lambda: audit_text(report, app_ctx.style()),
                 "json": lambda: to_json(documents.keys_audit(report)),
                 "nagios": lambda: audit_nagios(report), "prometheus": lambda: audit_prometheus(report)}
    app_ctx.emit(renderers[fmt]())
    raise typer.Exit(int(report.status))
