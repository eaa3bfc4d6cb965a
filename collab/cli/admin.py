"""``collab admin …``: school administration from the command line (same rules as the
admin screens). Use it while no pupil is writing, or use the screens while serving."""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from collab.accounts import administration
from collab.accounts.passwords import hash_in_thread, password_hasher
from collab.cli.common import add_command, settings_from, with_store
from collab.errors import CollabError, InvalidInput
from collab.models import Level, Role, SchoolClass, User
from collab.store import Store


def _fail(message: str) -> int:
    print(f"collab: {message}", file=sys.stderr)
    return 1


def _run(args: argparse.Namespace, action: Callable[[Store], Awaitable[int]]) -> int:
    try:
        return with_store(settings_from(args), action)
    except CollabError as exc:
        return _fail(exc.public_message)


def _hasher(args: argparse.Namespace) -> Callable[[str], Awaitable[str]]:
    """New passwords hashed at the settings' argon2 cost, off the event loop."""
    return functools.partial(hash_in_thread, password_hasher(settings_from(args)))


async def _class(store: Store, class_id: int) -> SchoolClass:
    klass = await store.schools.get_class(class_id)
    if klass is None:
        raise InvalidInput(f"Aucune classe n° {class_id}.")
    return klass


def create_school(args: argparse.Namespace) -> int:
    async def act(store: Store) -> int:
        school = await store.schools.ensure_school(args.commune, args.name)
        print(school.id)
        return 0

    return _run(args, act)


def create_class(args: argparse.Namespace) -> int:
    async def act(store: Store) -> int:
        if await store.schools.get_school(args.school_id) is None:
            return _fail(f"no school {args.school_id}")
        klass = await store.schools.ensure_class(args.school_id, args.name, args.level, args.year)
        print(f"{klass.id}\t{klass.code}")
        return 0

    return _run(args, act)


def create_teacher(args: argparse.Namespace) -> int:
    async def act(store: Store) -> int:
        klass = await _class(store, args.class_id)
        teacher, password = await administration.create_adult(
            store, args.login, args.name, Role.TEACHER, hasher=_hasher(args)
        )
        await store.schools.add_teacher(klass.id, teacher.id)
        print(password)
        return 0

    return _run(args, act)


def create_admin(args: argparse.Namespace) -> int:
    async def act(store: Store) -> int:
        if (args.school_id is None) == (args.commune is None):
            return _fail("give exactly one of --school-id or --commune")
        commune_id = None
        if args.commune is not None:
            commune_id = await store.schools.commune_id(args.commune)
            if commune_id is None:
                return _fail(f"no commune {args.commune!r}")
        elif await store.schools.get_school(args.school_id) is None:
            return _fail(f"no school {args.school_id}")
        user, password = await administration.create_adult(
            store, args.login, args.name, Role.ADMIN, hasher=_hasher(args)
        )
        await store.schools.add_admin_scope(user.id, school_id=args.school_id, commune_id=commune_id)
        print(password)
        return 0

    return _run(args, act)


def import_class(args: argparse.Namespace) -> int:
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror}")

    async def act(store: Store) -> int:
        klass = await _class(store, args.class_id)
        pupils = await administration.import_class_list(store, klass, data)
        for pupil in pupils:
            print(f"{pupil.login}\t{pupil.display_name}")
        return 0

    return _run(args, act)


def roll_over(args: argparse.Namespace) -> int:
    async def act(store: Store) -> int:
        print(await store.schools.archive_year(args.school_id, args.year))
        return 0

    return _run(args, act)


def carry_pupils(args: argparse.Namespace) -> int:
    """The school year: pupils of an archived class join a class of this year (same school), with
    their accounts, logins and pictures; prints how many joined."""

    async def act(store: Store) -> int:
        source, target = await _class(store, args.from_class), await _class(store, args.to_class)
        if not source.archived or target.archived or source.school_id != target.school_id:
            return _fail("pupils go from an archived class to a class of this year, in the same school")
        pupils = await store.schools.list_pupils(source.id)
        wanted = [p for p in pupils if not args.logins or p.login in args.logins]
        if len(wanted) != (len(args.logins) or len(wanted)):
            return _fail(f"not all of these pupils are in class {source.id}")
        print(await store.schools.carry_pupils(target.id, [p.id for p in wanted]))
        return 0

    return _run(args, act)


def _operator() -> str:
    """Who runs an admin command, for the audit log."""
    return f"ligne de commande ({getpass.getuser()})"


async def _pupil(store: Store, login: str) -> User:
    pupil = await store.accounts.get_user_by_login(login)
    if pupil is None or pupil.role is not Role.PUPIL:
        raise InvalidInput(f"Aucun élève avec l'identifiant {login}.")
    return pupil


def export_pupil(args: argparse.Namespace) -> int:
    archive: list[bytes] = []

    async def act(store: Store) -> int:
        pupil = await _pupil(store, args.login)
        await administration.audit(store, None, _operator(), "export", pupil)
        archive.append(await administration.export_pupil(store, pupil))
        return 0

    status = _run(args, act)
    if status == 0:
        Path(args.out).write_bytes(archive[0])
    return status


def delete_pupil(args: argparse.Namespace) -> int:
    if not args.yes:
        return _fail(
            "deleting a pupil erases their account and the texts they wrote alone "
            "(co-written texts stay with the partners, without the pupil's name): add --yes to confirm"
        )

    async def act(store: Store) -> int:
        pupil = await _pupil(store, args.login)
        await administration.audit(store, None, _operator(), "delete", pupil)
        data = await administration.delete_pupil(store, pupil)
        alone, kept = len(data.solo_ids), len(data.kept_ids)
        print(f"deleted {args.login}, {alone} text(s) written alone; {kept} co-written kept", file=sys.stderr)
        return 0

    return _run(args, act)


def audit_log(args: argparse.Namespace) -> int:
    """The audit log (RGPD exports and erasures), newest first, one JSON object per line."""

    async def act(store: Store) -> int:
        for entry in await store.privacy.audit_log(args.limit):
            at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.at))
            line = {"at": at, "by": entry.actor_login, "action": entry.action, "pupil": entry.subject_login}
            print(json.dumps(line, ensure_ascii=False))
        return 0

    return _run(args, act)


def add_admin_commands(admin: argparse.ArgumentParser) -> None:
    sub = admin.add_subparsers(dest="admin_command", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        return add_command(sub, name, handler, help)

    p = command("create-school", create_school, "create a school (and its commune); prints its id")
    p.add_argument("--commune", required=True)
    p.add_argument("--name", required=True)
    p = command("create-class", create_class, "create a class; prints its id and code")
    p.add_argument("--school-id", type=int, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--level", required=True, choices=[level.value for level in Level])
    p.add_argument("--year", required=True, help="school year, e.g. 2026-2027")
    p = command("create-teacher", create_teacher, "create a teacher account for a class; prints the password")
    p.add_argument("login")
    p.add_argument("--name", required=True)
    p.add_argument("--class-id", type=int, required=True)
    p = command("create-admin", create_admin, "create an admin of a school or a commune; prints the password")
    p.add_argument("login")
    p.add_argument("--name", required=True)
    p.add_argument("--school-id", type=int)
    p.add_argument("--commune")
    p = command("import-class", import_class, "add the pupils of a CSV class list to a class")
    p.add_argument("--class-id", type=int, required=True)
    p.add_argument("file")
    p = command("rollover", roll_over, "archive a school's classes of a year; prints how many")
    p.add_argument("--school-id", type=int, required=True)
    p.add_argument("--year", required=True)
    p = command("carry-pupils", carry_pupils, "move pupils of last year's class into this year's; prints how many")
    p.add_argument("--from-class", type=int, required=True, help="the archived class")
    p.add_argument("--to-class", type=int, required=True, help="the class of this year")
    p.add_argument("logins", nargs="*", help="only these pupils (all of the class when none)")
    p = command("export-pupil", export_pupil, "write a pupil's data (RGPD) as a zip")
    p.add_argument("login")
    p.add_argument("--out", required=True)
    p = command("delete-pupil", delete_pupil, "erase a pupil: account, sessions, texts written alone")
    p.add_argument("login")
    p.add_argument("--yes", action="store_true")
    p = command("audit-log", audit_log, "who exported or erased which pupil's data, when (JSON lines)")
    p.add_argument("--limit", type=int, default=200)
