"""URLs of the teacher's class screens."""

from __future__ import annotations

from starlette.routing import Route

from collab.accounts import carry_views as carry
from collab.accounts import class_views as teacher

_CLASS = "/enseignant/classe/{class_id}"
_PUPIL = _CLASS + "/eleves/{pupil_id}"


def teacher_routes() -> list[Route]:
    post = ["POST"]
    return [
        Route(_CLASS, teacher.class_roster, name="class_roster"),
        Route(_CLASS + "/eleves", teacher.add_pupils, methods=post, name="add_pupils"),
        Route(_PUPIL + "/prenom", teacher.rename_pupil, methods=post, name="rename_pupil"),
        Route(_PUPIL + "/retirer", teacher.remove_pupil, methods=post, name="remove_pupil"),
        Route(_PUPIL + "/images", teacher.reset_pictures, methods=post, name="reset_pictures"),
        Route(_PUPIL + "/debloquer", teacher.unlock_pupil, methods=post, name="unlock_pupil"),
        Route(_CLASS + "/parents", teacher.link_parent, methods=post, name="link_parent"),
        Route(_CLASS + "/binomes", teacher.class_pairs, name="class_pairs"),
        Route(_CLASS + "/binomes", teacher.arrange_pairs, methods=post, name="arrange_pairs"),
        Route(_CLASS + "/binomes/hasard", teacher.random_pairs, methods=post, name="random_pairs"),
        Route(_CLASS + "/binomes/separer", teacher.keep_apart, methods=post, name="keep_apart"),
        Route(_CLASS + "/fiches", teacher.sign_in_sheet, name="sign_in_sheet"),
        Route(_CLASS + "/reprendre", carry.carry_page, name="carry_page"),
        Route(_CLASS + "/reprendre", carry.carry_pupils, methods=post, name="carry_pupils"),
    ]
