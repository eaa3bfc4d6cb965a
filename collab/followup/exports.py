"""A task's productions taken out of Binôme: scores as CSV, the whole corrected set as a PDF, and
the class's error profile as a bar chart (SVG). No I/O: bytes and strings in, bytes and strings out.

The PDF uses reportlab with the Bitstream Vera font it ships (œ, ’, « » and accents print as
typed); each error is underlined and followed by its category in words, so a black-and-white
printout says as much as the screen.
"""

from __future__ import annotations

import csv
import functools
import io
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from collab.followup.productions import CATEGORY_NAMES, Production, references
from collab.models import ANNOTATION_NAMES
from collab.words import count, date_fr
from collab.writing.drafts import draft_name

CSV_CATEGORIES = tuple(CATEGORY_NAMES)


#: A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A text cell a spreadsheet shows as text: a leading ``'`` before what would start a formula
    (a pupil named ``=HYPERLINK(…)`` stays a name). Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def scores_csv(items: Sequence[Production]) -> str:
    """One row per text: pair, pupils, draft, status, words, errors per category, faults and mark
    under the task's scheme. Semicolons and a BOM: spreadsheets in French locales open it as is."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["binôme", "élèves", "jet", "état", "mots", *(CATEGORY_NAMES[c] for c in CSV_CATEGORIES), "fautes", "note"]
    )
    for item in items:
        counts = item.correction.counts if item.correction is not None else {}
        score = item.score
        row = [
            item.pair_number,
            item.names,
            item.draft,
            item.status.label,
            len(item.text.split()),
            *(counts.get(c, "") for c in CSV_CATEGORIES),
            _number(score.faults) if score is not None else "",
            _number(score.mark) if score is not None and score.mark is not None else "",
        ]
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return out.getvalue()


def _number(value: float) -> str:
    """French decimal comma: 2,5."""
    return f"{value:g}".replace(".", ",")


def profile_svg(totals: Mapping[str, int], texts: int) -> str:
    """A horizontal bar chart of the errors per category (mean per text), largest first, with the
    numbers written on the bars (readable without colour)."""
    rows = sorted(((CATEGORY_NAMES[k], v) for k, v in totals.items()), key=lambda kv: (-kv[1], kv[0]))
    top = max((v for _, v in rows), default=0) or 1
    label_width, bar_width, row_height = 190, 420, 34
    height = row_height * len(rows) + 10
    parts = [
        f'<svg class="profile-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_width + bar_width + 210} '
        f'{height}" role="img" aria-labelledby="profile-title"><title id="profile-title">Erreurs de la classe par '
        f"catégorie, sur {count(texts, 'texte', 'textes')}</title>"
    ]
    for i, (name, value) in enumerate(rows):
        y = 5 + i * row_height
        width = round(bar_width * value / top)
        mean = f"{value / texts:.1f}".replace(".", ",") if texts else "0"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 21}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{width}" height="{row_height - 10}" fill="#1b4ea3" rx="3"/>'
            f'<text x="{label_width + width + 8}" y="{y + 21}">{value} ({mean} par texte)</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def productions_pdf(title: str, class_name: str, items: Sequence[Production]) -> bytes:
    """The corrected productions of a task, one block per text, ready to print."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    _register_fonts()
    body = ParagraphStyle("body", fontName="Vera", fontSize=11, leading=16)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12, textColor=colors.HexColor("#444444"))
    heading = ParagraphStyle("heading", parent=body, fontName="VeraBd", fontSize=13, leading=18, spaceBefore=8)
    big = ParagraphStyle("big", parent=heading, fontSize=17, leading=22)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author="Binôme",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
    )
    story: list[object] = [
        Paragraph(escape(f"{title} — classe {class_name}"), big),
        Paragraph(escape("Exporté le " + date_fr(time.time())), small),
    ]
    texts = references(items)
    for group, reference in texts:
        name = "Le texte de la dictée" + (f" (groupe {group})" if len(texts) > 1 else "")
        story += [Paragraph(escape(name), heading), Paragraph(_paragraphs(reference), body)]
    for item in items:
        block: list[object] = [
            Paragraph(escape(f"Binôme {item.pair_number} : {item.names}"), heading),
            *([Paragraph(escape(f"groupe {item.group}"), small)] if len(texts) > 1 else []),
            Paragraph(escape(f"{item.status.label} — {draft_name(item.draft)}"), small),
            Paragraph(_marked_up(item) or "<i>Rien d'écrit.</i>", body),
        ]
        if item.correction is not None:
            found = [f"{n} {CATEGORY_NAMES[c]}" for c, n in item.correction.counts.items() if n]
            line = ", ".join(found) if found else "aucune erreur"
            if item.score is not None and item.score.mark is not None:
                line += f" — note {_number(item.score.mark)} / {_number(item.score.out_of or 0)}"
            block.append(Paragraph(escape(line), small))
        for note in item.annotations:
            text = f"« {note.quote} » : {ANNOTATION_NAMES[note.kind]}" + (f" — {note.note}" if note.note else "")
            block.append(Paragraph(escape(text), small))
        if item.comment is not None:
            block.append(Paragraph(escape(f"Commentaire : {item.comment.body}"), small))
        block.append(Spacer(1, 8))
        story.append(KeepTogether(block))
    document.build(story)
    return out.getvalue()


def _paragraphs(text: str) -> str:
    return "<br/>".join(escape(line) for line in text.splitlines())


def _marked_up(item: Production) -> str:
    """The text in reportlab's paragraph markup: errors underlined, their category after them."""
    errors = item.correction.errors if item.correction is not None else []
    parts: list[str] = []
    for piece in item.pieces:
        if piece.text == "":
            parts += [f"<font color='#c0392b'>[{escape(errors[i].expected)} oublié]</font>" for i in piece.errors]
        elif piece.errors:
            names = ", ".join(dict.fromkeys(CATEGORY_NAMES[errors[i].category] for i in piece.errors))
            parts.append(f"<u>{_paragraphs(piece.text)}</u><font size='8' color='#b35c00'> [{escape(names)}]</font>")
        else:
            parts.append(_paragraphs(piece.text))
    return "".join(parts)


@functools.cache
def _register_fonts() -> None:
    """Once per process: reportlab keeps the fonts it was given."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont("Vera", str(fonts / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("VeraBd", str(fonts / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="VeraBd", italic="Vera", boldItalic="VeraBd")
