"""Checking who someone is: argon2 passwords for adults, three pictures for pupils.

Both go through :meth:`SignInGuard.check`, which counts the attempt in the database *before*
comparing the secret (collab/store/throttles.py): a burst of parallel guesses gets no more
comparisons than a sequence. Budgets are per account, never per IP (a whole school shares one
address behind its NAT), and split by device: the browsers an account already signed in from
(a random "known device" cookie, only its hash kept) each have their own budget, so someone
guessing a pupil's pictures from elsewhere locks out the devices the pupil never used, not the
pupil's usual tablet. Locks are short at first and grow with repeats (1, 5, 15 minutes, then an
hour); a success on that budget or the teacher's « Débloquer » clears them. A future SSO
(EduConnect for parents) plugs in beside these two: it proves the identity, then the view opens a
session the same way.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.responses import Response

from collab.accounts.passwords import PasswordWorkers
from collab.errors import AccountLocked, WrongCredentials
from collab.models import Budget, ThrottlePolicy
from collab.realtime.metrics import Metrics
from collab.settings import Settings
from collab.store import Store
from collab.store.throttles import KNOWN_DEVICE_DAYS, UNKNOWN_DEVICE, next_budget
from collab.web.auth import set_cookie

#: The "known device" cookie: random, per browser (a shared tablet serves several pupils).
DEVICE_COOKIE = "binome_device"
_DEVICE_COOKIE_AGE = KNOWN_DEVICE_DAYS * 24 * 3600  # the longest browsers keep a cookie
_MAX_COOKIE_LENGTH = 256
#: Unknown logins whose budgets are kept before the stale ones are forgotten.
_MAX_UNKNOWN_LOGINS = 50_000


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


def device_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_token(conn: HTTPConnection) -> str | None:
    """This browser's "known device" cookie, if it has a sane one."""
    token = conn.cookies.get(DEVICE_COOKIE)
    return token if token and len(token) <= _MAX_COOKIE_LENGTH else None


class SignInGuard:
    """Checks secrets behind the atomic per-account throttle; owns the argon2 worker threads."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.policy = ThrottlePolicy(
            attempts=settings.sign_in_attempts,
            window_seconds=settings.sign_in_window_seconds,
            lock_steps=settings.sign_in_lock_steps,
        )
        self.settings = settings
        self.metrics = metrics
        self.passwords = PasswordWorkers(settings)
        #: Budgets of logins that are no adult's, in this process (no account row to keep them on).
        self._unknown_logins: dict[str, Budget] = {}

    async def budget_of(self, store: Store, user_id: int, token: str | None) -> str:
        """The budget an attempt from this browser spends: its own if the account knows it."""
        if token is not None:
            device = device_hash(token)
            if await store.throttles.is_known_device(user_id, device):
                return device
        return UNKNOWN_DEVICE

    async def check(
        self,
        store: Store,
        user_id: int,
        token: str | None,
        *,
        password: str | None = None,
        pictures: str | None = None,
    ) -> None:
        """Accept the password or picture sequence for this account, or raise.

        The attempt is counted first, in one transaction; AccountLocked (429) while the budget is
        locked, with no comparison at all; WrongCredentials (401) otherwise. A success clears the
        budget it was made on.
        """
        budget = await self.budget_of(store, user_id, token)
        attempt = await store.throttles.begin_sign_in(user_id, budget, self.policy)
        if not attempt.granted:
            self.metrics.sign_in_refused.labels(reason="locked").inc()
            raise AccountLocked(f"account {user_id} locked", attempt.retry_after)
        creds = await store.accounts.get_credentials(user_id)
        if password is not None:
            self.metrics.sign_in_comparisons.labels(kind="password").inc()
            ok = await self.passwords.verify(creds.password_hash, password)
        else:
            self.metrics.sign_in_comparisons.labels(kind="pictures").inc()
            ok = creds.pictures is not None and parse_pictures(pictures or "") == creds.pictures
        if not ok:
            raise WrongCredentials(f"wrong secret for account {user_id}")
        await store.throttles.sign_in_succeeded(user_id, budget)

    async def check_unknown(self, login: str, password: str) -> None:
        """A login that is no adult's: the same budget and lock as an account seen from an unknown
        device (so a lock does not tell that a login exists), the same argon2 work as a real check,
        then WrongCredentials."""
        now = time.time()
        attempt, budget = next_budget(self._unknown_logins.get(login), now, self.policy)
        if budget is not None:
            if login not in self._unknown_logins and len(self._unknown_logins) >= _MAX_UNKNOWN_LOGINS:
                self._forget_unknown_logins(now)
            self._unknown_logins[login] = budget
        if not attempt.granted:
            self.metrics.sign_in_refused.labels(reason="locked").inc()
            raise AccountLocked(f"unknown login {login[:40]!r} locked", attempt.retry_after)
        self.metrics.sign_in_comparisons.labels(kind="dummy").inc()
        await self.passwords.verify(None, password)
        raise WrongCredentials("unknown login")

    def _forget_unknown_logins(self, now: float) -> None:
        """Keep the budgets of unknown logins that still mean something (locked, or in their window)."""
        window = self.policy.window_seconds
        self._unknown_logins = {
            login: b
            for login, b in self._unknown_logins.items()
            if (b.locked_until is not None and b.locked_until > now) or now - b.window_start < window
        }

    async def remember_device(self, store: Store, conn: HTTPConnection, response: Response, user_id: int) -> None:
        """After a success: this browser becomes a known device of the account (cookie set if new)."""
        token = device_token(conn) or secrets.token_urlsafe(32)
        await store.throttles.remember_device(user_id, device_hash(token))
        set_cookie(response, self.settings, DEVICE_COOKIE, token, _DEVICE_COOKIE_AGE)

    def close(self) -> None:
        self.passwords.close()
