"""Test data for the follow-up: a pair's text typed into its real CRDT document, then agreed on."""

from __future__ import annotations

from pycrdt import Doc

from collab.demo.followup import Typist
from collab.settings import Settings
from collab.store import Store
from tests.support.data import with_store
from tests.support.web import DemoSchool

#: Léa and Noé's dictation, with three mistakes: an agreement (arrive), a lexical one (légummes), a homophone (a).
LEA_DICTATION = (
    "Le marché du village.\n"
    "Chaque samedi matin, le marché s'installe sur la place du village. Les marchands arrive très tôt "
    "avec leurs camions chargés de fruits et de légummes. Ma grand-mère choisit toujours les plus belles pommes. "
    "Elle discute longtemps avec la fromagère, qui lui donne parfois un petit morceau a goûter. Moi, je préfère "
    "regarder les poissons brillants posés sur la glace. À midi, nous rentrons à la maison, les paniers pleins "
    "et le ventre vide."
)


def write_and_agree(
    settings: Settings,
    school: DemoSchool,
    text: str = LEA_DICTATION,
    *,
    doc: str | None = None,
    moderated: bool = False,
) -> str:
    """Léa and Noé type ``text`` into their dictation (or ``doc``), then both agree: a post."""
    doc_id = doc or school.lea_doc

    async def work(store: Store) -> str:
        lea = await store.accounts.get_user(school.lea_id)
        noe = await store.accounts.get_user(school.noe_id)
        assert lea is not None and noe is not None
        typist = Typist(Doc(), [lea, noe], 1_700_000_000.0)
        for turn, sentence in enumerate(text.split(". ")):
            typist.type(sentence + (". " if not sentence.endswith(".") else ""), turn)
        assert str(typist.text) == text
        await store.documents.append_updates(doc_id, typist.updates)
        pair_id = await store.documents.pair_of(doc_id)
        await store.blog.publish(
            doc_id=doc_id,
            class_id=school.class_id,
            pair_id=pair_id,
            task_id=await store.tasks.task_of_document(doc_id),
            title="Dictée : le marché du village",
            body=text,
            state_vector=typist.doc.get_state(),
            moderated=moderated,
        )
        return doc_id

    return with_store(settings, work)
