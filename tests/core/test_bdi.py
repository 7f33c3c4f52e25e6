"""The ``bdi`` filter: data inside a sentence isolated from the text around it (issue 18)."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context: object) -> str:
    return Template("{% load rvs_tags %}" + source).render(Context(context))


def test_name_takes_its_own_direction_and_is_escaped() -> None:
    assert render("{{ name|bdi }}", name="فاطمة <b>") == "<bdi>فاطمة &lt;b&gt;</bdi>"


def test_codes_are_forced_left_to_right() -> None:
    assert render('{{ ern|bdi:"ltr" }}', ern="2026-GB-0001") == '<bdi dir="ltr">2026-GB-0001</bdi>'


def test_inside_blocktranslate_the_markup_survives() -> None:
    out = render(
        '{% load i18n %}{% blocktranslate with ern=ern|bdi:"ltr" %}Result {{ ern }} found{% endblocktranslate %}',
        ern="1234",
    )
    assert out == 'Result <bdi dir="ltr">1234</bdi> found'


def test_unknown_direction_is_an_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        render('{{ x|bdi:"rtl" }}', x="a")
