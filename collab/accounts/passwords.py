"""Adults' passwords: argon2 off the event loop, and strong generated passwords.

An argon2 hash or check costs about a third of a second of CPU (``COLLAB_ARGON2_TIME_COST`` and
``COLLAB_ARGON2_MEMORY_KIB`` set the cost of new hashes). :class:`PasswordWorkers` runs them
on a few worker threads of its own (``COLLAB_PASSWORD_WORKERS``): a flood of sign-ins queues there
while the event loop keeps serving pupils' keystrokes. An unknown login is checked against a dummy
hash of the same parameters, so a wrong login and a wrong password cost the same time.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from collab.settings import Settings

#: Common French nouns of 4 to 8 plain letters, built once from Lexique by scripts/make_password_words.py.
WORDS_FILE = Path(__file__).resolve().parent / "password_words.txt"
PASSWORD_WORDS = 4
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
#: The hash unknown logins are checked against: of a random secret thrown away, with the default
#: settings' parameters (with other parameters, a fresh dummy is made when the workers start).
_SHIPPED_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$Hnnw/bjAJqRWk40HyTgOQA$EgjnPl8G9NiUtGc46jeTIvkL9rbkX8kwQwMBlSqf6tU"
)


@cache
def password_words() -> tuple[str, ...]:
    words = tuple(WORDS_FILE.read_text(encoding="utf-8").split())
    if len(words) < 2048 or len(set(words)) != len(words):
        raise RuntimeError(f"{WORDS_FILE} must hold at least 2048 different words")
    return words


def new_password() -> str:
    """Four random common words ("lavande-tabouret-volcan-ruban"): easy to read out and to type,
    and ``PASSWORD_WORDS × log2(len(words))`` ≥ 44 bits of randomness."""
    words = password_words()
    return "-".join(secrets.choice(words) for _ in range(PASSWORD_WORDS))


def generated_password_bits() -> float:
    return PASSWORD_WORDS * math.log2(len(password_words()))


def password_hasher(settings: Settings) -> PasswordHasher:
    """argon2id at the settings' cost (by default the library's: RFC 9106's second recommendation)."""
    return PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib)


def hash_password(hasher: PasswordHasher, password: str) -> str:
    """A blocking hash, for seeding and tests; the server uses :class:`PasswordWorkers`."""
    return hasher.hash(password)


async def hash_in_thread(hasher: PasswordHasher, password: str) -> str:
    """A hash off the event loop, for commands (the CLI) that have no :class:`PasswordWorkers`."""
    return await asyncio.to_thread(hasher.hash, password)


class PasswordWorkers:
    """argon2 hashes and checks on ``settings.password_workers`` threads of their own."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = password_hasher(settings)
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.password_workers), thread_name_prefix="argon2")
        # Made (if ever) before any check, known login or not: no first-time hint.
        if self._hasher.check_needs_rehash(_SHIPPED_DUMMY_HASH):
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(24))
        else:
            self._dummy_hash = _SHIPPED_DUMMY_HASH

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; without a hash (unknown login, a pupil on the adults' form,
        an account with no password) the same work is done against a dummy hash, and it is False."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
