"""config/wsgi.py: web processes switch threads more often than Python's default (issue 9, load)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import pytest


@pytest.mark.parametrize(("microseconds", "expected"), [(500, 0.0005), (2000, 0.002)])
def test_the_web_process_sets_the_switch_interval(settings: Any, microseconds: int, expected: float) -> None:
    before = sys.getswitchinterval()
    settings.WEB_SWITCH_INTERVAL_US = microseconds
    try:
        importlib.reload(importlib.import_module("config.wsgi"))
        assert sys.getswitchinterval() == pytest.approx(expected)
    finally:
        sys.setswitchinterval(before)


def test_zero_keeps_pythons_default(settings: Any) -> None:
    before = sys.getswitchinterval()
    settings.WEB_SWITCH_INTERVAL_US = 0
    try:
        importlib.reload(importlib.import_module("config.wsgi"))
        assert sys.getswitchinterval() == before
    finally:
        sys.setswitchinterval(before)
