"""The active language for ``<html lang dir>`` and the switcher in ``base.html`` (decision 0033)."""

from __future__ import annotations

from django import template

from rvs.core import i18n

register = template.Library()


@register.simple_tag
def current_language() -> i18n.Language:
    """``{% current_language as lang %}``: ``lang.tag`` (BCP 47), ``lang.dir``, ``lang.code``."""
    return i18n.current()


@register.simple_tag
def languages() -> list[i18n.Language]:
    """Every language of the service, each named in itself, for the switcher."""
    return i18n.languages()
