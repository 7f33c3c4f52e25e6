"""The columns a data file can hold: the default template is all of them, in this order.

``FIELDS`` are the result's own, the data-file columns of the result column schema
(``rvs.results.columns``, decision 0025); each ``value`` is the reference definition of its cell for
one result (``rows.data_table`` builds the same cells from plain SQL rows, checked by tests). An
organisation's entry requirements add one column each ("Meets: MSc entry"), keyed
``requirement:<its public id>`` so that renaming the requirement renames the column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from rvs.organisations.models import Organisation
from rvs.results import columns
from rvs.results.models import Result

REQUIREMENT_PREFIX = "requirement:"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: Callable[[Result], Any]


_FIELDS = [Field(column.key, column.label, columns.cell_reader(column)) for column in columns.DATA_FILE]
FIELDS: dict[str, Field] = {field.key: field for field in _FIELDS}
DEFAULT_FIELDS: list[str] = list(FIELDS)
# Stored with a download (``DownloadJob.template_name``) and sent by the API in English; pages translate it.
DEFAULT_TEMPLATE_NAME = gettext_noop("Default template (all fields)")


def requirement_key(requirement: Any) -> str:
    return f"{REQUIREMENT_PREFIX}{requirement.public_id}"


def requirement_label(requirement: Any) -> str:
    return f"Meets: {requirement.name}"


def available_fields(*, organisation: Organisation) -> dict[str, str]:
    """Every column the organisation can choose, key to label: the result fields, then its requirements."""
    from rvs.requirements.models import EntryRequirement

    columns = {key: field.label for key, field in FIELDS.items()}
    for requirement in EntryRequirement.objects.filter(organisation=organisation).only("public_id", "name"):
        columns[requirement_key(requirement)] = requirement_label(requirement)
    return columns


def default_fields(*, organisation: Organisation) -> list[str]:
    """The default template: every available field."""
    return list(available_fields(organisation=organisation))
