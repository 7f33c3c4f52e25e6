"""The exam table of DESIGN.md section 5, written out by hand so tests do not trust the catalogue file.

Each band is ``(min, max, grade, cefr)``; ``None`` for "no grade" or "no CEFR level".
"""

from __future__ import annotations

from typing import Any

A2_BANDS = [
    (140, 150, "A", "B1"),
    (133, 139, "B", "A2"),
    (120, 132, "C", "A2"),
    (100, 119, None, "A1"),
    (82, 99, None, None),
]
B1_BANDS = [
    (160, 170, "A", "B2"),
    (153, 159, "B", "B1"),
    (140, 152, "C", "B1"),
    (120, 139, None, "A2"),
    (102, 119, None, None),
]
B2_BANDS = [
    (180, 190, "A", "C1"),
    (173, 179, "B", "B2"),
    (160, 172, "C", "B2"),
    (140, 159, None, "B1"),
    (122, 139, None, None),
]
C1_BANDS = [
    (200, 210, "A", "C2"),
    (193, 199, "B", "C1"),
    (180, 192, "C", "C1"),
    (160, 179, None, "B2"),
    (142, 159, None, None),
]
C2_BANDS = [
    (220, 230, "A", "C2"),
    (213, 219, "B", "C2"),
    (200, 212, "C", "C2"),
    (180, 199, None, "C1"),
    (162, 179, None, None),
]

RW_L_S = [("reading_and_writing", 2), ("listening", 1), ("speaking", 1)]
R_W_L_S = [("reading", 1), ("writing", 1), ("listening", 1), ("speaking", 1)]
R_UOE_W_L_S = [("reading", 1), ("use_of_english", 1), ("writing", 1), ("listening", 1), ("speaking", 1)]


def _exam(name: str, components: list[tuple[str, int]], bands: list[Any], scale_max: int) -> dict[str, Any]:
    return {
        "name": name,
        "components": components,
        "bands": bands,
        "scale_max": scale_max,
        "reported_from": bands[-1][0],
    }


# Every Cambridge English Qualification, by catalogue code.
QUALIFICATIONS: dict[str, dict[str, Any]] = {
    "a2-key": _exam("A2 Key", RW_L_S, A2_BANDS, 150),
    "a2-key-for-schools": _exam("A2 Key for Schools", RW_L_S, A2_BANDS, 150),
    "b1-preliminary": _exam("B1 Preliminary", R_W_L_S, B1_BANDS, 170),
    "b1-preliminary-for-schools": _exam("B1 Preliminary for Schools", R_W_L_S, B1_BANDS, 170),
    "b1-business-preliminary": _exam("B1 Business Preliminary", R_W_L_S, B1_BANDS, 170),
    "b2-first": _exam("B2 First", R_UOE_W_L_S, B2_BANDS, 190),
    "b2-first-for-schools": _exam("B2 First for Schools", R_UOE_W_L_S, B2_BANDS, 190),
    "b2-business-vantage": _exam("B2 Business Vantage", R_W_L_S, B2_BANDS, 190),
    "c1-advanced": _exam("C1 Advanced", R_UOE_W_L_S, C1_BANDS, 210),
    "c1-business-higher": _exam("C1 Business Higher", R_W_L_S, C1_BANDS, 210),
    "c2-proficiency": _exam("C2 Proficiency", R_UOE_W_L_S, C2_BANDS, 230),
}

# Listed as recognised exams but not verifiable online.
NOT_VERIFIABLE = {
    "pre-a1-starters": "Young Learners",
    "a1-movers": "Young Learners",
    "a2-flyers": "Young Learners",
    "linguaskill-general": "Multi-level tests",
    "linguaskill-business": "Multi-level tests",
    "tkt": "Teaching qualifications",
    "celta": "Teaching qualifications",
    "delta": "Teaching qualifications",
}
