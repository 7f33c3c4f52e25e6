"""A row's photo: a JPEG or PNG inside the CSV file's folder, checked before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from PIL import Image

_PHOTO_SUFFIX = {"JPEG": ".jpg", "PNG": ".png"}


def photo(value: str, base_dir: Path | None, fail: Callable[[str, str], None]) -> tuple[Path, str] | None:
    """The photo's resolved path and the suffix to store it under (from its content, not its name)."""
    if not value:
        return None
    if base_dir is None:
        fail("photo", "photos can only be imported from a file on disk")
        return None
    try:
        root = base_dir.resolve()
        path = (root / value).resolve()
        if not path.is_relative_to(root):
            fail("photo", "must be a path inside the folder of the CSV file")
            return None
        if not path.is_file():
            fail("photo", f"{value} does not exist")
            return None
        size = path.stat().st_size
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system...
        fail("photo", f"{value!r} is not a usable file name")
        return None
    if size > settings.PHOTO_MAX_BYTES:
        fail("photo", f"{value} is larger than {settings.PHOTO_MAX_BYTES} bytes")
        return None
    try:
        with Image.open(path) as image:
            if image.format not in _PHOTO_SUFFIX:
                fail("photo", f"{value} must be a JPEG or PNG image")
                return None
            if image.width * image.height > 25_000_000:
                fail("photo", f"{value} is {image.width}x{image.height} pixels; too large")
                return None
            image.verify()
            suffix = _PHOTO_SUFFIX[image.format]
    # Broken images raise more than OSError: a damaged PNG raises SyntaxError, others ValueError...
    except Exception:
        fail("photo", f"{value} is not a readable image")
        return None
    return path, suffix
