"""Model fields shared by the apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:  # generic in django-stubs only; Django's field classes take no subscript
    _CharField = models.CharField[Any, Any]
    _EmailField = models.EmailField[Any, Any]
else:
    _CharField, _EmailField = models.CharField, models.EmailField


class _BytewiseMixin:
    """Text compared byte for byte on PostgreSQL: the column gets ``COLLATE "C"`` (decision 0010).

    For columns that hold codes, identifiers or folded text (an ERN, a candidate number, an email
    address, a name token), compared for equality or by prefix and never shown sorted to people:
    the ``C`` collation compares with ``memcmp`` where the database's default (``C.UTF-8`` on
    Debian's packages, ``en_US.UTF-8`` elsewhere) goes through ``strcoll``, in every index insert
    and look-up; a bulk import makes several such comparisons per value. SQLite compares bytes
    already (its ``BINARY`` collation): nothing changes there.
    """

    db_collation: str | None

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        parameters: dict[str, Any] = super().db_parameters(connection)  # type: ignore[misc]
        if connection.vendor == "postgresql" and not self.db_collation:
            parameters["collation"] = "C"
        return parameters


class BytewiseCharField(_BytewiseMixin, _CharField):
    pass


class BytewiseEmailField(_BytewiseMixin, _EmailField):
    pass
