"""The ``collab`` command line: serve, users, token, backup, loadtest-setup, correct, admin."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from collab import words
from collab.cli.admin import add_admin_commands
from collab.cli.common import DatabaseUnavailable, SettingsRefused, add_command, settings_from, with_store
from collab.cli.migrate import add_migrate_command
from collab.store import Store, backup_database

#: The longest a bearer token may live (a school year).
MAX_TOKEN_DAYS = 366

SERVE_DESCRIPTION = """\
Run the server. By default one process serves the SQLite database of the data directory.

For an académie: --database postgresql://… --redis redis://… --workers N runs N worker
processes on one port (uvicorn's supervisor starts a new one when one dies), and any number
of machines may run the same command against the same PostgreSQL and Redis, behind any load
balancer: any worker serves any connection. The médiathèque's files stay in the data
directory (--data / COLLAB_DATA), which every worker of every machine must share (the same
directory, or a network file system mounted at the same place).

Behind a load balancer on another machine, COLLAB_FORWARDED_ALLOW_IPS names it (addresses or
networks, comma-separated), so that sign-in throttles see the pupils' addresses, not its own.

Every setting has an environment variable: COLLAB_DATA, COLLAB_DATABASE, COLLAB_REDIS,
COLLAB_WORKERS, COLLAB_HOST, COLLAB_PORT, COLLAB_FORWARDED_ALLOW_IPS."""


def cmd_serve(args: argparse.Namespace) -> int:
    from collab.accounts.passwords import password_hasher
    from collab.demo.seeding import seed_demo
    from collab.mediatheque.files import MediaLibrary
    from collab.server import configure_logging, serve

    settings = settings_from(args)
    problem = settings.deployment_problem()
    if problem is not None:
        print(f"collab: {problem}", file=sys.stderr)
        return 2
    configure_logging(settings)
    # Open (and migrate) the database once, here, before any worker starts: a database that
    # cannot be opened is one clear error, and workers never race to migrate.
    with_store(settings, lambda store: store.db.schema_version())
    workers = "1 process" if settings.workers == 1 else f"{settings.workers} worker processes"
    print(
        f"collab: serving http://{settings.host}:{settings.port} with {workers}; "
        f"database {settings.shown_database}; Redis {settings.shown_redis or 'none'}; "
        f"media files in {settings.media_dir}{' (shared by every worker)' if settings.on_postgres else ''}",
        file=sys.stderr,
        flush=True,
    )
    if args.demo:
        library = MediaLibrary(settings.media_dir, settings.max_media_bytes)
        demo = with_store(
            settings, lambda store: seed_demo(store, library, password_hasher(settings), after_lesson=True)
        )
        base = f"http://{settings.host}:{settings.port}"
        print(f"\nBinôme est prêt sur {base}  (données : {settings.data_dir})\n")
        print(f"École Jean Macé, classe CM1-CM2 (code {demo.class_code}) — comment se connecter :")
        for s in demo.sign_ins:
            print(f"  {s.display_name:<26} {s.role.value:<8} {s.how}")
        print(f"\n  Élèves : {base}/connexion, le code de la classe, son prénom, puis ses trois images.")
        # No bearer token in clear at every start (terminal scroll-back, service logs): one on demand.
        print(
            f"  Client y-websocket (Léa) : ws://{settings.host}:{settings.port}/ws/doc/{demo.doc}?token=…\n"
            f"    (un jeton valable 30 jours : collab token {demo.lea_login} --data {settings.data_dir})\n",
            flush=True,
        )
    return serve(settings)


def cmd_users(args: argparse.Namespace) -> int:
    listings = with_store(settings_from(args), lambda store: store.accounts.list_users())
    for item in listings:
        print(
            json.dumps(
                {"login": item.user.login, "role": item.user.role.value, "class": item.class_name, "pair": item.pair},
                ensure_ascii=False,
            )
        )
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """``collab token LOGIN [--days N]`` prints a new bearer token (and nothing else);
    ``collab token --revoke LOGIN`` revokes every token of the account."""
    settings = settings_from(args)
    days = settings.token_days if args.days is None else args.days
    if not 0 < days <= MAX_TOKEN_DAYS:
        print(f"collab: --days must be between 1 and {MAX_TOKEN_DAYS}", file=sys.stderr)
        return 2

    async def act(store: Store) -> str | None:
        user = await store.accounts.get_user_by_login(args.login)
        if user is None:
            return None
        if args.revoke:
            revoked = await store.accounts.revoke_tokens(user.id)
            return f"{words.count(revoked, 'jeton révoqué', 'jetons révoqués')} pour {user.login}"
        return await store.accounts.create_token(user.id, label="cli", lifetime=days * 86400.0)

    result = with_store(settings, act)
    if result is None:
        print(f"collab: no account with login {args.login!r}", file=sys.stderr)
        return 1
    print(result, file=sys.stderr if args.revoke else sys.stdout)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.on_postgres:
        # PostgreSQL's own tools make a consistent copy while serving, and restore it.
        print(
            "collab: the database is PostgreSQL: back it up with PostgreSQL's own tool, for instance\n"
            f"  pg_dump --format=custom --file={shlex.quote(args.file)} {shlex.quote(settings.shown_database)}\n"
            "(the password from ~/.pgpass or $PGPASSWORD; restore with pg_restore --dbname=URL FILE into an "
            f"empty database), and copy the media files of {settings.media_dir} (rsync -a)",
            file=sys.stderr,
        )
        return 1
    try:
        backup_database(Path(settings.store_target), Path(args.file))
    except FileNotFoundError as exc:
        print(f"collab: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {args.file}", file=sys.stderr)
    return 0


def cmd_loadtest_setup(args: argparse.Namespace) -> int:
    from collab.demo.seeding import setup_load_test

    if args.pairs < 1:
        print("collab: --pairs must be at least 1", file=sys.stderr)
        return 2
    pairs = with_store(settings_from(args), lambda store: setup_load_test(store, args.pairs), synchronous="NORMAL")
    with open(args.out, "w", encoding="utf-8") as out:
        for pair in pairs:
            out.write(
                json.dumps(
                    {
                        "doc": pair.doc,
                        "token_a": pair.token_a,
                        "token_b": pair.token_b,
                        "token_observer": pair.token_observer,
                        "task": pair.task,
                        "token_teacher": pair.token_teacher,
                    }
                )
                + "\n"
            )
    print(f"{len(pairs)} pairs written to {args.out}", file=sys.stderr)
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    from collab.correction.correct import correct

    texts: list[str] = []
    for name in (args.reference, args.text):
        try:
            texts.append(Path(name).read_bytes().decode("utf-8"))  # as is: offsets count "\r\n" as two
        except UnicodeDecodeError:
            print(f"collab: {name} is not UTF-8 text", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"collab: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    print(json.dumps(correct(texts[0], texts[1]).as_json(), ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="collab", description="Binôme: writing in pairs, live.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        return add_command(sub, name, handler, help)

    serve = add_command(sub, "serve", cmd_serve, "run the server", SERVE_DESCRIPTION)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--redis", help="redis://host:6379/0, linking the workers (default: $COLLAB_REDIS)")
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes on this machine (default: $COLLAB_WORKERS or 1; more than one needs "
        "--database postgresql://… and --redis)",
    )
    serve.add_argument("--demo", action="store_true", help="seed the demo accounts and print their sign-ins")
    command("users", cmd_users, "list accounts as JSON lines")
    token = command("token", cmd_token, "print a new bearer token for an account (or revoke its tokens)")
    token.add_argument("login")
    token.add_argument("--days", type=int, help="how long the token is valid (default: $COLLAB_TOKEN_DAYS or 30)")
    token.add_argument("--revoke", action="store_true", help="revoke every token of the account instead")
    backup = command("backup", cmd_backup, "write a consistent copy of the database (safe while serving)")
    backup.add_argument("file")
    lt = command("loadtest-setup", cmd_loadtest_setup, "create the load-test school and write its tokens")
    lt.add_argument("--pairs", type=int, required=True)
    lt.add_argument("--out", required=True)
    correct = command("correct", cmd_correct, "correct a dictation: JSON errors and counts per category")
    correct.add_argument("reference", help="the dictation's reference text (UTF-8 file)")
    correct.add_argument("text", help="the pupils' text (UTF-8 file)")
    add_migrate_command(sub)
    admin = command("admin", lambda args: 2, "school administration (see: collab admin --help)")
    add_admin_commands(admin)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SettingsRefused as exc:
        print(f"collab: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"collab: {exc}", file=sys.stderr)
        return 1
