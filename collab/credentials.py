"""Checking who someone is: argon2 passwords for adults, three pictures for pupils.

Both go through :func:`check_sign_in`, which counts failures **per account** (a whole
school shares one IP address behind its NAT, so never per IP) and locks an account for a
while after too many failures in a row. A future SSO (EduConnect for parents) plugs in
beside these two: it proves the identity, then the view opens a session the same way.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from collab.errors import CollabError
from collab.models import Credentials
from collab.settings import Settings
from collab.store import Store

_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Picture:
    number: int
    name: str  # French, read aloud by screen readers and printed on the sign-in sheet


#: The twelve pictures of picture passwords (drawn in templates/_pictures.html).
PICTURES = tuple(
    Picture(n, name)
    for n, name in enumerate(
        ["soleil", "lune", "étoile", "cœur", "arbre", "maison", "poisson", "fleur", "nuage", "bateau", "ballon", "clé"],
        start=1,
    )
)
PICTURE_COUNT = 3


class AccountLocked(CollabError):
    status = 429
    close_code = 4429
    reason = "locked_account"
    public_message = "Trop d'essais. Attends quelques minutes ou demande à ton enseignant de débloquer ton compte."


class WrongCredentials(CollabError):
    status = 401
    close_code = 4401
    reason = "wrong_credentials"
    public_message = "Ce n'est pas le bon mot de passe. Essaie encore."


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def random_pictures() -> tuple[int, ...]:
    """Three different pictures, in an order to remember."""
    pool = [p.number for p in PICTURES]
    return tuple(pool.pop(secrets.randbelow(len(pool))) for _ in range(PICTURE_COUNT))


def picture_names(pictures: tuple[int, ...]) -> list[str]:
    return [PICTURES[n - 1].name for n in pictures]


def parse_pictures(raw: str) -> tuple[int, ...] | None:
    """``"3,7,11"`` → (3, 7, 11); None unless it is three valid picture numbers."""
    try:
        numbers = tuple(int(part) for part in raw.split(","))
    except ValueError:
        return None
    if len(numbers) != PICTURE_COUNT or not all(1 <= n <= len(PICTURES) for n in numbers):
        return None
    return numbers


def _password_matches(creds: Credentials, password: str) -> bool:
    if not creds.password_hash:
        _HASHER.hash(password)  # same cost as a real check: no timing hint that the account has none
        return False
    try:
        return _HASHER.verify(creds.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def check_sign_in(
    store: Store, settings: Settings, user_id: int, *, password: str | None = None, pictures: str | None = None
) -> None:
    """Accept the password or picture sequence for this account, or raise.

    Raises AccountLocked while the account is locked (even for the right secret) and
    WrongCredentials otherwise; a success clears the failure count.
    """
    creds = await store.accounts.get_credentials(user_id)
    if creds.locked_until is not None and creds.locked_until > time.time():
        raise AccountLocked(f"account {user_id} locked")
    if password is not None:
        ok = _password_matches(creds, password)
    else:
        ok = creds.pictures is not None and parse_pictures(pictures or "") == creds.pictures
    if not ok:
        await store.accounts.record_failed_sign_in(
            user_id, lock_after=settings.sign_in_attempts, lock_seconds=settings.sign_in_lock_seconds
        )
        raise WrongCredentials(f"wrong secret for account {user_id}")
    if creds.failed_attempts or creds.locked_until is not None:
        await store.accounts.clear_failed_sign_ins(user_id)
