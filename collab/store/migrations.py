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
    (
        "0002_school_model",
        """
        CREATE TABLE communes (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL
        );
        CREATE TABLE schools (
            id INTEGER PRIMARY KEY,
            commune_id INTEGER NOT NULL REFERENCES communes(id),
            name TEXT NOT NULL,
            created_at REAL NOT NULL,
            UNIQUE (commune_id, name)
        );
        CREATE TABLE classes (
            id INTEGER PRIMARY KEY,
            school_id INTEGER NOT NULL REFERENCES schools(id),
            name TEXT NOT NULL,
            level TEXT NOT NULL,
            school_year TEXT NOT NULL,
            code TEXT NOT NULL UNIQUE,
            archived_at REAL,
            created_at REAL NOT NULL,
            UNIQUE (school_id, name, school_year)
        );
        CREATE TABLE class_teachers (
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (class_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX class_teachers_user ON class_teachers(user_id);
        -- A pupil's classes over the years: the current one is the class not archived.
        CREATE TABLE class_pupils (
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (class_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX class_pupils_user ON class_pupils(user_id);
        CREATE TABLE parent_links (
            parent_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            pupil_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (parent_id, pupil_id)
        ) WITHOUT ROWID;
        CREATE INDEX parent_links_pupil ON parent_links(pupil_id);
        CREATE TABLE admin_scopes (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            school_id INTEGER REFERENCES schools(id) ON DELETE CASCADE,
            commune_id INTEGER REFERENCES communes(id) ON DELETE CASCADE,
            CHECK ((school_id IS NULL) <> (commune_id IS NULL))
        );
        CREATE INDEX admin_scopes_user ON admin_scopes(user_id);
        -- Pairs (or trios) of a class. Rearranging dissolves pairs, documents keep theirs.
        CREATE TABLE pairs (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            created_at REAL NOT NULL,
            dissolved_at REAL
        );
        CREATE INDEX pairs_class ON pairs(class_id);
        CREATE TABLE pair_members (
            pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (pair_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX pair_members_user ON pair_members(user_id);
        -- Two pupils the teacher wants in different pairs.
        CREATE TABLE kept_apart (
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            user_a INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            user_b INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (class_id, user_a, user_b),
            CHECK (user_a < user_b)
        ) WITHOUT ROWID;
        -- How an account signs in: a password (argon2) or, for pupils, three pictures.
        CREATE TABLE credentials (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            password_hash TEXT,
            pictures TEXT,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL
        );
        CREATE TABLE sessions (
            token_hash BLOB PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_seen_at REAL NOT NULL,
            revoked_at REAL
        );
        CREATE INDEX sessions_user ON sessions(user_id);
        ALTER TABLE documents ADD COLUMN class_id INTEGER REFERENCES classes(id);
        ALTER TABLE documents ADD COLUMN pair_id INTEGER REFERENCES pairs(id);
        CREATE INDEX documents_pair ON documents(pair_id);
        CREATE INDEX documents_class ON documents(class_id);
        """,
    ),
    (
        "0003_media",
        """
        -- The médiathèque: files stored once by content (sha256) in the data directory.
        -- A class's shelf (class_id set) or the school's shared shelf (class_id NULL).
        CREATE TABLE media (
            id INTEGER PRIMARY KEY,
            school_id INTEGER NOT NULL REFERENCES schools(id),
            class_id INTEGER REFERENCES classes(id),
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('audio', 'image', 'pdf')),
            mime TEXT NOT NULL,
            size INTEGER NOT NULL,
            duration REAL,
            uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX media_class ON media(class_id);
        CREATE INDEX media_school ON media(school_id);
        CREATE INDEX media_sha ON media(sha256);
        """,
    ),
    (
        "0004_tasks",
        """
        -- A writing task of a class: a dictation (audio + reference text) or a free writing.
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('dictation', 'free')),
            title TEXT NOT NULL,
            opens_at REAL,
            closes_at REAL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX tasks_class ON tasks(class_id);
        -- Differentiation: each group of pairs has its own instructions, media and reference.
        CREATE TABLE task_groups (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            instructions TEXT NOT NULL DEFAULT '',
            media_id INTEGER REFERENCES media(id),
            reference_text TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX task_groups_task ON task_groups(task_id);
        CREATE INDEX task_groups_media ON task_groups(media_id);
        -- Each (task, pair) writes its own document.
        CREATE TABLE task_documents (
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            group_id INTEGER NOT NULL REFERENCES task_groups(id) ON DELETE CASCADE,
            doc_id TEXT NOT NULL UNIQUE REFERENCES documents(id),
            PRIMARY KEY (task_id, pair_id)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0005_media_segments",
        """
        -- Replay by phrase: where the segments of a recording meet, in seconds, as a JSON list.
        ALTER TABLE media ADD COLUMN cuts TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    (
        "0006_agreement_and_blog",
        """
        -- "On est d'accord": each pupil's agreement with one precise version (a Yjs state vector).
        CREATE TABLE agreements (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            state_vector BLOB NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (doc_id, user_id)
        ) WITHOUT ROWID;
        -- The class blog: a post is the text a pair agreed on, kept as it was then.
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            doc_id TEXT NOT NULL UNIQUE REFERENCES documents(id) ON DELETE CASCADE,
            pair_id INTEGER REFERENCES pairs(id),
            task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            state_vector BLOB NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('submitted', 'published')),
            created_at REAL NOT NULL,
            published_at REAL
        );
        CREATE INDEX posts_class ON posts(class_id, status);
        -- Does a pair's agreed text wait for the teacher (1, the default) or go online at once (0)?
        ALTER TABLE classes ADD COLUMN blog_moderated INTEGER NOT NULL DEFAULT 1;
        """,
    ),
    (
        "0007_comments_and_feed",
        """
        -- Comments on the class blog: off (the default: families comment only once the teacher
        -- allows it), shown at once, or held for the teacher. The class's choice is the default
        -- of its posts, and one switch closes and hides every comment.
        ALTER TABLE classes ADD COLUMN comments_mode TEXT NOT NULL DEFAULT 'off'
            CHECK (comments_mode IN ('off', 'immediate', 'held'));
        ALTER TABLE classes ADD COLUMN comments_closed INTEGER NOT NULL DEFAULT 0;
        -- The private key of the class blog's Atom feed (families' apps), NULL until made.
        ALTER TABLE classes ADD COLUMN feed_key TEXT;
        ALTER TABLE posts ADD COLUMN comments_mode TEXT CHECK (comments_mode IN ('off', 'immediate', 'held'));
        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('held', 'visible', 'refused')),
            created_at REAL NOT NULL
        );
        CREATE INDEX comments_post ON comments(post_id, status);
        CREATE INDEX comments_author ON comments(author_id);
        """,
    ),
    (
        "0008_follow_up",
        """
        -- Second drafts: a document started from another one's final state (its parent).
        ALTER TABLE documents ADD COLUMN parent_id TEXT REFERENCES documents(id) ON DELETE SET NULL;
        ALTER TABLE documents ADD COLUMN draft INTEGER NOT NULL DEFAULT 1;
        CREATE UNIQUE INDEX documents_parent ON documents(parent_id);
        -- How a dictation task is marked: counts per category, classic fault count, weighted.
        ALTER TABLE tasks ADD COLUMN marking TEXT NOT NULL DEFAULT 'counts'
            CHECK (marking IN ('counts', 'classic', 'weighted'));
        -- Spellings the teacher accepts for a task's reference word ("clef" for "clé").
        CREATE TABLE accepted_variants (
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            expected TEXT NOT NULL,
            got TEXT NOT NULL,
            PRIMARY KEY (task_id, expected, got)
        ) WITHOUT ROWID;
        -- The teacher's word on one difference the correction found (by its place in the text):
        -- another category, or NULL for "not a mistake".
        CREATE TABLE correction_overrides (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            category TEXT,
            set_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            set_at REAL NOT NULL,
            PRIMARY KEY (doc_id, start, "end")
        ) WITHOUT ROWID;
        -- The teacher's typed annotations on a text (with the words they were put on) and comment.
        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            quote TEXT NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('accord_gn', 'accord_verbe', 'homophone', 'lexique', 'ponctuation', 'autre')),
            note TEXT NOT NULL DEFAULT '',
            author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX annotations_doc ON annotations(doc_id);
        CREATE TABLE teacher_comments (
            doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            updated_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0009_sign_in_throttles",
        """
        -- Sign-in budgets: an attempt is counted here, in the transaction that lets it through, before
        -- the secret is compared. One budget per account for unknown devices (device = '') and one per
        -- device already known to the account (device = the hash of its cookie).
        CREATE TABLE sign_in_throttles (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            device TEXT NOT NULL,
            window_start REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL,
            lock_level INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, device)
        ) WITHOUT ROWID;
        -- Devices (browsers) an account signed in from: a random cookie, only its hash kept.
        CREATE TABLE known_devices (
            device_hash TEXT NOT NULL,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            last_used_at REAL NOT NULL,
            PRIMARY KEY (device_hash, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX known_devices_user ON known_devices(user_id);
        -- Unknown class codes typed from one client address, in the current window.
        CREATE TABLE class_code_misses (
            client TEXT PRIMARY KEY,
            window_start REAL NOT NULL,
            misses INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX class_code_misses_window ON class_code_misses(window_start)
        """,
    ),
    (
        "0010_token_expiry",
        """
        -- Bearer tokens expire: 30 days unless `collab token LOGIN --days N` says otherwise.
        -- Tokens made before this migration expire 30 days after they were made.
        ALTER TABLE api_tokens ADD COLUMN expires_at REAL;
        UPDATE api_tokens SET expires_at = created_at + 30 * 86400 WHERE expires_at IS NULL;
        """,
    ),
    (
        "0011_audit_log",
        """
        -- What an administrator did that touches a pupil's data (the RGPD export): who, whom, when.
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            actor_login TEXT NOT NULL,
            action TEXT NOT NULL,
            subject_id INTEGER,
            subject_login TEXT NOT NULL
        );
        CREATE INDEX audit_log_at ON audit_log(at);
        """,
    ),
    (
        "0012_sent_back",
        """
        -- When the teacher last sent a text back to its pair (« Renvoyer au binôme »), cleared when
        -- the pair agrees on it again. The text's state « renvoyé » is read from it.
        ALTER TABLE documents ADD COLUMN sent_back_at REAL;
        """,
    ),
    (
        "0013_former_members",
        """
        -- Pupils of a pair whose data was erased (RGPD): the pair's texts stay with its other
        -- members, the erased ones are shown as « un ancien élève », without name or account.
        ALTER TABLE pairs ADD COLUMN former_members INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        "0014_sent_back_word",
        """
        -- What the teacher told the pair when she sent the text back (her word, or her comment if
        -- she wrote it while reviewing that version): the room shows it until the pair agrees again.
        ALTER TABLE documents ADD COLUMN sent_back_word TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        "0015_override_per_mistake",
        """
        -- A word can carry two mistakes (« chemain »: spelling and agreement): the teacher's choice
        -- names the mistake it is about by its automatic category (``found``). Choices made before
        -- keep found = '' and still apply to every mistake of their words.
        CREATE TABLE correction_overrides_by_mistake (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            found TEXT NOT NULL DEFAULT '',
            category TEXT,
            set_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            set_at REAL NOT NULL,
            PRIMARY KEY (doc_id, start, "end", found)
        ) WITHOUT ROWID;
        INSERT INTO correction_overrides_by_mistake (doc_id, start, "end", found, category, set_by, set_at)
            SELECT doc_id, start, "end", '', category, set_by, set_at FROM correction_overrides;
        DROP TABLE correction_overrides;
        ALTER TABLE correction_overrides_by_mistake RENAME TO correction_overrides;
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
