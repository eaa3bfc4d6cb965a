"""What a school administrator does, shared by the ``collab admin`` command and the admin
screens: teacher accounts, class lists from CSV, and a pupil's data (RGPD export and erasure).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
import zipfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import overload
from zoneinfo import ZoneInfo

from collab.accounts.passwords import new_password as new_password  # adults' first passwords: four random words
from collab.accounts.sign_in import random_pictures
from collab.errors import InvalidInput
from collab.models import Role, SchoolClass, User
from collab.people import clean_name, login_base
from collab.realtime.crdt import stored_text
from collab.settings import MAX_IMPORT_BYTES
from collab.store import Store

MAX_IMPORT_ROWS = 60
MAX_IMPORT_COLUMNS = 100


async def create_adult(
    store: Store,
    login: str,
    display_name: str,
    role: Role,
    *,
    hasher: Callable[[str], Awaitable[str]],
) -> tuple[User, str]:
    """A new teacher, parent or admin account with a fresh password (returned once), hashed by
    ``hasher``: the server's argon2 workers, or the CLI's ``hash_in_thread`` (the event loop never hashes)."""
    login = login.strip().lower()
    if not login or len(login) > 80 or any(ch.isspace() for ch in login):
        raise InvalidInput("L'identifiant doit être un seul mot, sans espace.")
    if await store.accounts.get_user_by_login(login) is not None:
        raise InvalidInput(f"L'identifiant {login} est déjà pris.")
    name = clean_name(display_name)
    if not name:
        raise InvalidInput("Indiquez le nom de la personne.")
    user = await store.accounts.ensure_user(login, name, role)
    password = new_password()
    await store.accounts.set_password_hash(user.id, await hasher(password))
    return user, password


async def add_pupil(store: Store, klass: SchoolClass, name: str) -> User:
    """A pupil account in this class, with a login made from the name and random pictures."""
    pupil = await store.accounts.create_user_with_unique_login(login_base(name, klass.code), name, Role.PUPIL)
    await store.schools.add_pupil(klass.id, pupil.id)
    await store.accounts.set_pictures(pupil.id, random_pictures())
    return pupil


def parse_class_list(data: bytes) -> list[str]:
    """Pupil names from a CSV export (a spreadsheet's or the school software's).

    Accepts UTF-8 or Windows-1252, ``;`` or ``,``, an optional header, and either one
    column (the name) or two (first name, last name → "Léa M.").
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("Le fichier est trop gros pour une liste de classe (200 Ko au plus).")
    if b"\x00" in data:
        raise InvalidInput("Ce fichier n'est pas un fichier CSV (texte).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    try:
        names = _names_from_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InvalidInput(
            "Ce fichier CSV est mal formé (guillemets, ligne ou cellule trop longue). "
            "Enregistrez-le à nouveau depuis le tableur, au format CSV."
        ) from exc
    if not names:
        raise InvalidInput("Aucun prénom trouvé dans ce fichier.")
    if len(names) > MAX_IMPORT_ROWS:
        raise InvalidInput(f"Une liste de classe compte au plus {MAX_IMPORT_ROWS} élèves.")
    return names


def _names_from_rows(rows: Iterator[list[str]]) -> list[str]:
    names = []
    for row in rows:
        if len(row) > MAX_IMPORT_COLUMNS:
            raise InvalidInput(
                f"Une ligne compte plus de {MAX_IMPORT_COLUMNS} colonnes : ce n'est pas une liste de classe."
            )
        cells = [clean_name(cell) for cell in row if clean_name(cell)]
        if not cells or cells[0].lower() in ("prénom", "prenom", "nom", "élève", "eleve", "name"):
            continue
        first = cells[0]
        names.append(f"{first} {cells[1][0].upper()}." if len(cells) > 1 else first)
        if len(names) > MAX_IMPORT_ROWS:
            break  # refused below
    return names


async def import_class_list(store: Store, klass: SchoolClass, data: bytes) -> list[User]:
    names = parse_class_list(data)
    return [await add_pupil(store, klass, name) for name in names]


# -- RGPD --------------------------------------------------------------------------------------

audit_log = logging.getLogger("collab.audit")


async def audit(store: Store, actor_id: int | None, actor_login: str, action: str, pupil: User) -> None:
    """Log and store what an administrator does with a pupil's data (``export``, ``delete``):
    who, whom, when (the log line's time and the audit_log table's)."""
    audit_log.info("RGPD %s of pupil %s (id %d) by %s (id %s)", action, pupil.login, pupil.id, actor_login, actor_id)
    await store.privacy.record(actor_id, actor_login, action, pupil.id, pupil.login)


@dataclass(frozen=True)
class PupilData:
    user: User
    document_ids: list[str]  # the texts of every pair the pupil was in
    pair_partners: dict[str, list[str]]  # document id -> the partners' names
    #: Texts written with nobody still here (alone, or with pupils already erased): erased with them.
    solo_ids: list[str] = field(default_factory=list)
    #: Pairs with partners: their texts stay with them, the erased pupil becomes « un ancien élève ».
    shared_pair_ids: list[int] = field(default_factory=list)

    @property
    def kept_ids(self) -> list[str]:
        """The co-written texts that stay (without this pupil's name) when the pupil is erased."""
        solo = set(self.solo_ids)
        return [d for d in self.document_ids if d not in solo]


async def pupil_data(store: Store, pupil: User) -> PupilData:
    pairs = await store.pairs.pairs_of(pupil.id)
    documents: list[str] = []
    partners: dict[str, list[str]] = {}
    solo: list[str] = []
    shared: list[int] = []
    for pair in pairs:
        others = [m for m in pair.members if m.id != pupil.id]
        pair_docs = await store.documents.ids_for_pair(pair.id)
        if others:
            shared.append(pair.id)
        else:
            solo.extend(pair_docs)
        for doc_id in pair_docs:
            documents.append(doc_id)
            partners[doc_id] = pair.names_besides(pupil.id)
    return PupilData(pupil, documents, partners, solo, shared)


#: The export's dates are the school's: ISO 8601 with the offset of France's time then.
EXPORT_TIME_ZONE = ZoneInfo("Europe/Paris")


@overload
def iso_date(timestamp: float) -> str: ...
@overload
def iso_date(timestamp: None) -> None: ...
def iso_date(timestamp: float | None) -> str | None:
    """A Unix time as the export writes it: ``2026-11-29T23:05:00+01:00`` (Europe/Paris)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, EXPORT_TIME_ZONE).isoformat(timespec="seconds")


async def export_pupil(store: Store, pupil: User) -> bytes:
    """A zip of the pupil's data: ``compte.json`` (with the blog comments they wrote) and one
    ``textes/<id>.txt`` per text."""
    data = await pupil_data(store, pupil)
    classes = await store.schools.classes_of_pupil(pupil.id)
    parents = await store.schools.parents_of(pupil.id)
    texts = {}
    contributions = {}
    for doc_id in data.document_ids:
        texts[doc_id] = stored_text(await store.documents.load(doc_id))
        log = await store.documents.read_log(doc_id)
        contributions[doc_id] = [u.created_at for u in log if u.author_id == pupil.id]
    account = {
        "exporté_le": iso_date(time.time()),
        "identifiant": pupil.login,
        "prénom": pupil.display_name,
        "rôle": pupil.role.value,
        "classes": [{"nom": c.name, "niveau": c.level, "année": c.school_year} for c in classes],
        "parents": [p.display_name for p in parents],
        "textes": [
            {
                "id": doc_id,
                "avec": data.pair_partners.get(doc_id, []),
                "modifications": len(contributions[doc_id]),
                "première_modification": iso_date(min(contributions[doc_id], default=None)),
                "dernière_modification": iso_date(max(contributions[doc_id], default=None)),
            }
            for doc_id in data.document_ids
        ],
        "commentaires": [
            {
                "billet": comment.post_id,
                "texte": comment.body,
                "état": comment.status,
                "écrit_le": iso_date(comment.created_at),
            }
            for comment in await store.blog.comments_by(pupil.id)
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("compte.json", json.dumps(account, ensure_ascii=False, indent=2))
        for doc_id, text in texts.items():
            archive.writestr(f"textes/{doc_id}.txt", text)
    return buffer.getvalue()


async def delete_pupil(store: Store, pupil: User) -> PupilData:
    """Erase the pupil: the account, sessions, tokens, links, comments and the texts they wrote
    alone. The texts written with partners stay theirs: the pupil's name and account leave them
    (the pair shows « un ancien élève », the replay's updates lose their author)."""
    if pupil.role is not Role.PUPIL:
        raise InvalidInput("Seuls les comptes d'élèves se suppriment ici.")
    data = await pupil_data(store, pupil)
    await store.privacy.erase_user(pupil.id, data.solo_ids, data.shared_pair_ids)
    return data
