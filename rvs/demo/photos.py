"""Synthetic test-day photos: head-and-shoulders portraits drawn with Pillow.

No real faces: shapes and colours only, varied enough (skin, hair style and colour, clothes,
glasses, headscarf, studio background) that a page of results does not show one face twice.
Drawing is deterministic for a given generator state, so the same seed gives the same files.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 240, 300

_SKIN = [(255, 224, 196), (241, 194, 160), (224, 172, 128), (198, 134, 90), (161, 102, 64), (120, 76, 48),
         (92, 56, 36), (234, 192, 170)]  # fmt: skip
_HAIR = [(20, 16, 14), (50, 34, 24), (92, 60, 36), (140, 96, 56), (196, 152, 90), (226, 200, 140),
         (160, 60, 30), (120, 120, 120), (210, 210, 205)]  # fmt: skip
_CLOTHES = [(30, 50, 90), (60, 60, 66), (150, 30, 40), (40, 100, 70), (230, 230, 232), (20, 20, 24),
            (90, 70, 140), (200, 150, 60), (70, 120, 170), (120, 80, 60)]  # fmt: skip
_BACKGROUNDS = [(214, 226, 240), (236, 236, 236), (200, 210, 220), (225, 232, 225), (245, 245, 250)]


def _jitter(colour: tuple[int, int, int], rng: random.Random, amount: int = 12) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, c + rng.randint(-amount, amount))) for c in colour)
    return (r, g, b)


def portrait(rng: random.Random) -> bytes:
    """One JPEG portrait, about 240x300 pixels and 6-10 KB."""
    background = _jitter(rng.choice(_BACKGROUNDS), rng, 8)
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(image)
    # A soft vertical gradient, as under studio lights.
    for y in range(0, HEIGHT, 4):
        shade = int(18 * y / HEIGHT)
        draw.rectangle((0, y, WIDTH, y + 4), fill=tuple(max(0, c - shade) for c in background))

    skin = _jitter(rng.choice(_SKIN), rng)
    hair = _jitter(rng.choice(_HAIR), rng, 8)
    clothes = _jitter(rng.choice(_CLOTHES), rng, 15)
    cx = WIDTH // 2 + rng.randint(-10, 10)
    head_w, head_h = rng.randint(78, 96), rng.randint(100, 118)
    head_top = rng.randint(58, 78)
    head = (cx - head_w // 2, head_top, cx + head_w // 2, head_top + head_h)
    style = rng.choice(["short", "short", "long", "long", "bun", "bald", "scarf", "curly"])

    if style == "long":  # hair falling behind the shoulders is drawn first
        draw.rounded_rectangle((head[0] - 14, head_top - 6, head[2] + 14, head_top + head_h + 70), 40, fill=hair)
    if style == "scarf":
        draw.ellipse((head[0] - 22, head_top - 18, head[2] + 22, head[3] + 50), fill=clothes)

    # Shoulders and neck.
    shoulder_top = head[3] + rng.randint(8, 20)
    draw.rounded_rectangle((cx - 110, shoulder_top + 10, cx + 110, HEIGHT + 60), 60, fill=clothes)
    neck_w = head_w // 3
    draw.rectangle((cx - neck_w // 2, head[3] - 16, cx + neck_w // 2, shoulder_top + 18), fill=skin)
    if rng.random() < 0.5:  # an open collar
        draw.polygon([(cx - neck_w, shoulder_top + 10), (cx, shoulder_top + 48), (cx + neck_w, shoulder_top + 10)],
                     fill=_jitter((245, 245, 245), rng, 10))  # fmt: skip
        draw.polygon([(cx - neck_w // 2, shoulder_top + 12), (cx, shoulder_top + 38),
                      (cx + neck_w // 2, shoulder_top + 12)], fill=skin)  # fmt: skip

    # Ears, then the face.
    draw.ellipse((head[0] - 8, head_top + head_h // 2 - 14, head[0] + 10, head_top + head_h // 2 + 16), fill=skin)
    draw.ellipse((head[2] - 10, head_top + head_h // 2 - 14, head[2] + 8, head_top + head_h // 2 + 16), fill=skin)
    draw.ellipse(head, fill=skin)

    if style in ("short", "long", "bun"):
        draw.chord((head[0] - 4, head_top - 10, head[2] + 4, head_top + head_h // 2 + 6), 180, 360, fill=hair)
    if style == "curly":
        for i in range(9):
            x = head[0] + i * head_w // 8
            draw.ellipse((x - 16, head_top - 18 + (i % 2) * 6, x + 16, head_top + 18 + (i % 2) * 6), fill=hair)
    if style == "bun":
        draw.ellipse((cx - 22, head_top - 34, cx + 22, head_top + 6), fill=hair)
    if style == "scarf":
        draw.chord((head[0] - 6, head_top - 12, head[2] + 6, head_top + head_h // 2), 180, 360, fill=clothes)

    # Features: brows, eyes, nose, mouth.
    eye_y = head_top + int(head_h * 0.45)
    eye_dx = head_w // 5
    brow = tuple(max(0, c - 20) for c in hair) if style != "bald" else (70, 50, 40)
    for side in (-1, 1):
        ex = cx + side * eye_dx
        draw.line((ex - 9, eye_y - 11, ex + 9, eye_y - 12 + rng.randint(-1, 1)), fill=brow, width=3)
        draw.ellipse((ex - 7, eye_y - 4, ex + 7, eye_y + 4), fill=(250, 250, 250))
        draw.ellipse((ex - 3, eye_y - 3, ex + 3, eye_y + 3), fill=_jitter((60, 45, 35), rng, 25))
    nose = tuple(max(0, c - 35) for c in skin)
    draw.line((cx, eye_y + 4, cx - 4, eye_y + 24, cx + 3, eye_y + 26), fill=nose, width=2)
    mouth_y = eye_y + rng.randint(36, 42)
    draw.arc((cx - 16, mouth_y - 8, cx + 16, mouth_y + 6), 20, 160, fill=(150, 70, 70), width=3)
    if rng.random() < 0.25:
        frame = rng.choice([(30, 30, 30), (120, 80, 40), (160, 160, 170)])
        for side in (-1, 1):
            ex = cx + side * eye_dx
            draw.rounded_rectangle((ex - 13, eye_y - 9, ex + 13, eye_y + 9), 5, outline=frame, width=2)
        draw.line((cx - eye_dx + 13, eye_y, cx + eye_dx - 13, eye_y), fill=frame, width=2)

    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()
