"""Sign-in budgets, known devices and class-code misses: the limits that must hold against bursts.

Every limit here is atomic: the attempt is counted in the same write transaction that decides
whether it may go on, *before* the secret is compared or the class code answered, so a burst of
parallel requests gets no more than a sequence would. The state lives in the database, not in the
process: with several workers on PostgreSQL each transaction first takes the lock of its budget
(``tx.lock``), so that the read and the write of one budget run one at a time across workers.
"""

from __future__ import annotations

import time

from collab.models import Attempt, Budget, CodeLookup, ThrottlePolicy
from collab.store.database import Database
from collab.store.schools import class_by_code

#: The budget of every device an account has not signed in from yet.
UNKNOWN_DEVICE = ""
#: A known device unused this long is forgotten (browsers keep a cookie at most 400 days).
KNOWN_DEVICE_DAYS = 400
#: Lock repeats are forgotten after a day without a lock (the next lock is the shortest again).
FORGET_LOCKS_AFTER = 24 * 3600.0


def next_budget(budget: Budget | None, now: float, policy: ThrottlePolicy) -> tuple[Attempt, Budget | None]:
    """The decision on one attempt and the budget to store (None: unchanged). Pure, for the store."""
    if budget is None:
        budget = Budget(window_start=now, attempts=0, locked_until=None, lock_level=0)
    if budget.locked_until is not None and budget.locked_until > now:
        return Attempt(granted=False, retry_after=budget.locked_until - now), None
    level = budget.lock_level
    if budget.locked_until is not None and now - budget.locked_until > FORGET_LOCKS_AFTER:
        level = 0
    attempts, window_start = budget.attempts, budget.window_start
    if now - window_start >= policy.window_seconds:
        attempts, window_start = 0, now
    attempts += 1
    locked_until = budget.locked_until
    if attempts >= policy.attempts:
        # This attempt is the last one of the window: lock now, before it is even compared.
        locked_until = now + policy.lock_steps[min(level, len(policy.lock_steps) - 1)]
        level += 1
        attempts, window_start = 0, locked_until
    return Attempt(granted=True), Budget(window_start, attempts, locked_until, level)


class ThrottleStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- sign-in budgets -------------------------------------------------------------------

    async def begin_sign_in(
        self, user_id: int, device: str, policy: ThrottlePolicy, *, now: float | None = None
    ) -> Attempt:
        """Count one sign-in attempt on this budget, or refuse it while the budget is locked."""
        now = time.time() if now is None else now
        async with self.db.write() as conn:
            # One attempt at a time per budget, across workers: the count read is the count written.
            await conn.lock(f"sign-in:{user_id}:{device}")
            await conn.execute(
                "INSERT INTO sign_in_throttles (user_id, device, window_start) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, device) DO NOTHING",
                (user_id, device, now),
            )
            row = await conn.fetchone(
                "SELECT window_start, attempts, locked_until, lock_level FROM sign_in_throttles "
                "WHERE user_id = ? AND device = ?",
                (user_id, device),
            )
            assert row is not None
            attempt, budget = next_budget(Budget(float(row[0]), int(row[1]), row[2], int(row[3])), now, policy)
            if budget is not None:
                await conn.execute(
                    "UPDATE sign_in_throttles SET window_start = ?, attempts = ?, locked_until = ?, lock_level = ? "
                    "WHERE user_id = ? AND device = ?",
                    (budget.window_start, budget.attempts, budget.locked_until, budget.lock_level, user_id, device),
                )
        return attempt

    async def sign_in_succeeded(self, user_id: int, device: str) -> None:
        """The right secret: this budget's failures, lock and lock repeats are cleared."""
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM sign_in_throttles WHERE user_id = ? AND device = ?", (user_id, device))

    async def budget(self, user_id: int, device: str = UNKNOWN_DEVICE) -> Budget | None:
        row = await self.db.fetchone(
            "SELECT window_start, attempts, locked_until, lock_level FROM sign_in_throttles "
            "WHERE user_id = ? AND device = ?",
            (user_id, device),
        )
        return Budget(float(row[0]), int(row[1]), row[2], int(row[3])) if row else None

    # -- known devices -----------------------------------------------------------------------

    async def is_known_device(self, user_id: int, device: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM known_devices WHERE device_hash = ? AND user_id = ?", (device, user_id)
        )
        return row is not None

    async def remember_device(self, user_id: int, device: str) -> None:
        """This device signed in to this account; devices unused for longer than the cookie lives are
        forgotten."""
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "DELETE FROM known_devices WHERE user_id = ? AND last_used_at < ?",
                (user_id, now - KNOWN_DEVICE_DAYS * 86400),
            )
            await conn.execute(
                "INSERT INTO known_devices (device_hash, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (device_hash, user_id) DO UPDATE SET last_used_at = excluded.last_used_at",
                (device, user_id, now, now),
            )

    # -- class codes -------------------------------------------------------------------------

    async def look_up_class_code(
        self, client: str, code: str, *, max_misses: int, window_seconds: float, now: float | None = None
    ) -> CodeLookup:
        """The class with this code, unless ``client`` typed ``max_misses`` unknown codes in the window.

        The check, the lookup and the count of a miss are one transaction: a burst of guesses gets
        no more answers than the budget, and right codes (a class signing in) cost nothing.
        """
        now = time.time() if now is None else now
        async with self.db.write() as conn:
            # One lookup at a time per client address, across workers (no row may exist yet to lock).
            await conn.lock(f"class-code:{client}")
            # Client addresses are kept no longer than their window (an index probe when none is old).
            await conn.execute("DELETE FROM class_code_misses WHERE window_start <= ?", (now - window_seconds,))
            row = await conn.fetchone("SELECT window_start, misses FROM class_code_misses WHERE client = ?", (client,))
            fresh = row is None or now - float(row[0]) >= window_seconds
            if not fresh and row is not None and int(row[1]) >= max_misses:
                return CodeLookup(klass=None, retry_after=max(float(row[0]) + window_seconds - now, 1.0))
            klass = await class_by_code(conn, code)
            if klass is not None:
                return CodeLookup(klass=klass)
            if fresh:
                await conn.execute(
                    "INSERT INTO class_code_misses (client, window_start, misses) VALUES (?, ?, 1) "
                    "ON CONFLICT (client) DO UPDATE SET window_start = excluded.window_start, misses = 1",
                    (client, now),
                )
            else:
                await conn.execute("UPDATE class_code_misses SET misses = misses + 1 WHERE client = ?", (client,))
        return CodeLookup(klass=None)
