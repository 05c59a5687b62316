"""The `loyalty-gateway` command."""

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar, cast

import uvicorn
from pydantic import ValidationError
from tortoise import Tortoise

from loyalty_gateway import demo
from loyalty_gateway.auth import service as auth
from loyalty_gateway.auth.scopes import Scope
from loyalty_gateway.background import start_background, stop_background, supervise
from loyalty_gateway.core.errors import UserError
from loyalty_gateway.db import DatabaseNotMigrated, migrate, prepare_database, tortoise_config
from loyalty_gateway.graphql.schema import sdl
from loyalty_gateway.http_protocol import TimedHttpToolsProtocol
from loyalty_gateway.program.service import seed_program_settings
from loyalty_gateway.progress import Progress
from loyalty_gateway.settings import Settings
from loyalty_gateway.tiers.service import evaluate_tiers

T = TypeVar("T")
TIER_REVIEW_SECONDS = 24 * 60 * 60


async def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` on the database, the program settings seeded first (a command may be the
    first to touch the program: `demo` before any `serve`)."""
    await Tortoise.init(config=tortoise_config(settings))
    try:
        await seed_program_settings(settings.points_to_dollars_rate)
        return await work()
    finally:
        await Tortoise.close_connections()


def _curl_example(settings: Settings, token: str) -> str:
    return (
        f"curl -s http://{settings.host}:{settings.port}/graphql \\\n"
        f"  -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n"
        '  -d \'{"query": "{ profiles(first: 5) { totalCount nodes { id email } } }"}\''
    )


async def _bootstrap_admin_token(settings: Settings) -> str | None:
    """Create an admin token when the database holds none; return its plain text."""
    if await auth.has_tokens():
        return None
    _, plain = await auth.create_token("bootstrap admin", [Scope.ADMIN])
    return plain


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.host
    port = args.port or settings.port
    settings = settings.model_copy(update={"host": host, "port": port})
    try:
        asyncio.run(prepare_database(settings))
    except DatabaseNotMigrated as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not settings.is_production:
        # In production the process output goes to log stores: no secret is printed there.
        plain = asyncio.run(_with_db(settings, lambda: _bootstrap_admin_token(settings)))
        if plain:
            print("Created an admin token (shown once, keep it safe):\n")
            print(f"  {plain}\n\nTry it:\n\n{_curl_example(settings, plain)}\n", flush=True)
    print(f"GraphQL and GraphiQL at http://{host}:{port}/graphql", flush=True)
    uvicorn.run(
        "loyalty_gateway.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_level="info",
        # uvicorn takes any protocol class, and a partial of one builds the same instances
        http=cast(
            Any,
            partial(TimedHttpToolsProtocol, header_timeout=settings.http_header_timeout_seconds),
        ),
    )
    return 0


def cmd_migrate(_: argparse.Namespace, settings: Settings) -> int:
    def report(event: str, app: str, name: str) -> None:
        if event == "apply_start":
            print(f"applying {app}.{name} …", file=sys.stderr, flush=True)
        elif event == "apply_done":
            print(f"applied {app}.{name}", file=sys.stderr, flush=True)

    asyncio.run(migrate(settings, progress=report))
    print("Database is up to date.")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load the demo program; with --offer, only into an empty database and only when the
    person at the terminal says yes."""
    try:
        asyncio.run(prepare_database(settings))
    except DatabaseNotMigrated as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.offer:
        if not asyncio.run(_with_db(settings, lambda: demo.is_empty(settings))):
            return 0
        if not sys.stdin.isatty():
            print("The database is empty: `loyalty-gateway demo` loads a demo program.")
            return 0
        answer = input(
            f"The database is empty. Load the demo program ({args.profiles} profiles)? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            return 0
    progress = Progress("demo: profiles")
    try:
        asyncio.run(_with_db(settings, lambda: demo.load_demo(settings, args.profiles, progress)))
    except demo.DemoAlreadyLoaded as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Demo program loaded: 3 tiers, birthday-reward, free-alterations, the gold reaction and "
        f"{args.profiles} profiles. Reactions run once `serve` or `worker` is up."
    )
    return 0


def cmd_export_schema(_: argparse.Namespace, __: Settings) -> int:
    sys.stdout.write(sdl())
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        token, plain = asyncio.run(
            _with_db(settings, lambda: auth.create_token(args.name, args.scope))
        )
    except UserError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(f"id:     {token.id}\nscopes: {' '.join(token.scopes)}\ntoken:  {plain}")
    print("The token is shown once; store it now.", file=sys.stderr)
    return 0


def cmd_token_list(_: argparse.Namespace, settings: Settings) -> int:
    tokens = asyncio.run(_with_db(settings, auth.list_tokens))
    for token in tokens:
        state = "revoked" if token.revoked_at else "active"
        last = token.last_used_at.isoformat() if token.last_used_at else "never"
        print(
            f"{token.id}  {token.prefix}…  {state:7}  last used {last}  "
            f"{token.name}  [{' '.join(token.scopes)}]"
        )
    return 0


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    try:
        token = asyncio.run(_with_db(settings, lambda: auth.revoke_token(args.id)))
    except UserError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(f"Revoked {token.id} ({token.name}).")
    return 0


def cmd_tiers_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    progress = Progress("tiers evaluate: profiles")
    reviews = asyncio.run(_with_db(settings, lambda: evaluate_tiers(now, progress)))
    for review in reviews:
        print(f"{review.profile_id}  {review.outcome:10}  {review.tier or '-'}")
    kept = sum(1 for review in reviews if review.outcome == "maintained")
    lost = len(reviews) - kept
    print(f"Reviewed {len(reviews)} profile(s): {kept} kept their tier, {lost} lost it.")
    return 0


async def _review_tiers_daily() -> None:
    while True:
        reviews = await evaluate_tiers()
        print(f"tiers evaluate: reviewed {len(reviews)} profile(s)", flush=True)
        await asyncio.sleep(TIER_REVIEW_SECONDS)


async def _work(settings: Settings) -> None:
    """Dispatch events, and review tier anniversaries once a day, until stopped. A database
    error in the review waits and tries again rather than ending the worker."""
    await Tortoise.init(config=tortoise_config(settings))
    background = await start_background(settings, dispatch=True)
    try:
        await supervise("tier review", _review_tiers_daily)
    finally:
        await stop_background(background)
        await Tortoise.close_connections()


def cmd_worker(_: argparse.Namespace, settings: Settings) -> int:
    try:
        asyncio.run(prepare_database(settings))
    except DatabaseNotMigrated as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("worker: dispatching events", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_work(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loyalty-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("worker", help="run reactions for events (scale out)").set_defaults(
        run=cmd_worker
    )
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=cmd_migrate)
    demo_command = commands.add_parser("demo", help="load a demo program to explore")
    demo_command.add_argument("--profiles", type=int, default=50)
    demo_command.add_argument(
        "--offer", action="store_true", help="only into an empty database, after asking"
    )
    demo_command.set_defaults(run=cmd_demo)
    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(
        run=cmd_export_schema
    )

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        dest="token_command", required=True
    )
    create = token.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", nargs="+", required=True, choices=list(Scope))
    create.set_defaults(run=cmd_token_create)
    token.add_parser("list", help="list tokens").set_defaults(run=cmd_token_list)
    revoke = token.add_parser("revoke", help="revoke a token")
    revoke.add_argument("id")
    revoke.set_defaults(run=cmd_token_revoke)

    tiers = commands.add_parser("tiers", help="tier maintenance").add_subparsers(
        dest="tiers_command", required=True
    )
    evaluate = tiers.add_parser(
        "evaluate", help="review profiles whose tier anniversary has passed"
    )
    evaluate.add_argument("--now", help="ISO date-time to evaluate at (default: now, UTC)")
    evaluate.set_defaults(run=cmd_tiers_evaluate)
    return parser


def main(argv: list[str] | None = None) -> Any:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            print(f"error: {problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        sys.exit(2)
    sys.exit(args.run(args, settings))
