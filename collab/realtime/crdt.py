"""The pycrdt helpers: how a document is rebuilt from storage and what its current text is.

A document is one Yjs ``Text`` named ``text``. Its current text is read in one way only
(:func:`text_of`): from the loaded room when there is one (:meth:`collab.realtime.hub.Hub.current_text`),
else from the stored snapshot and log tail (:func:`stored_text`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import Doc, Text

from collab.errors import BadRequest
from collab.models import LoadedDocument

#: The name of the document's one shared type (the browser's ``ydoc.getText("text")``).
TEXT_NAME = "text"
#: Never swallowed when pycrdt refuses an update (its panics derive from BaseException).
FATAL = (KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit)


def new_doc() -> Doc[Any]:
    """An empty document with its text."""
    doc: Doc[Any] = Doc()
    doc.get(TEXT_NAME, type=Text)
    return doc


def shared_text(doc: Doc[Any]) -> Text:
    """The document's shared text (to edit it, or to observe it)."""
    text: Text = doc.get(TEXT_NAME, type=Text)
    return text


def text_of(doc: Doc[Any]) -> str:
    """The document's current text."""
    return str(shared_text(doc))


def build_doc(loaded: LoadedDocument) -> Doc[Any]:
    """Rebuild a document from its snapshot and log tail (never from plain text)."""
    doc = new_doc()
    if loaded.snapshot is not None:
        doc.apply_update(loaded.snapshot)
    for update in loaded.tail:
        doc.apply_update(update)
    return doc


def stored_text(loaded: LoadedDocument) -> str:
    """The text of a document as stored (an export, a document not loaded in a room)."""
    return text_of(build_doc(loaded))


def has_structs(update: bytes) -> bool:
    """True when a (v1) update carries any struct, i.e. its client count is not zero."""
    return update[:1] != b"\x00"


def apply_checked(doc: Doc[Any], update: bytes) -> None:
    """Apply an update, translating pycrdt's refusal into BadRequest."""
    try:
        doc.apply_update(update)
    except FATAL:
        raise
    except BaseException as exc:  # pyo3 panics derive from BaseException
        raise BadRequest(f"invalid update: {str(exc)[:120]}") from exc
