"""Append-only schema migrations, tracked by ``PRAGMA user_version``.

Never edit a migration that has shipped: add a new one at the end.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_core",
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            login TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE api_tokens (
            token_hash BLOB PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            label TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            revoked_at REAL
        );
        CREATE INDEX api_tokens_user ON api_tokens(user_id);
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'locked', 'published')),
            created_at REAL NOT NULL
        );
        CREATE TABLE document_members (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            access TEXT NOT NULL CHECK (access IN ('read', 'write')),
            PRIMARY KEY (doc_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX document_members_user ON document_members(user_id);
        -- The update log: every accepted update, with its author and time, kept for replay.
        CREATE TABLE doc_updates (
            doc_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            author_id INTEGER,
            created_at REAL NOT NULL,
            PRIMARY KEY (doc_id, seq)
        ) WITHOUT ROWID;
        -- One snapshot per document: the merged state of the log up to upto_seq.
        CREATE TABLE doc_snapshots (
            doc_id TEXT PRIMARY KEY,
            data BLOB NOT NULL,
            upto_seq INTEGER NOT NULL,
            created_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
