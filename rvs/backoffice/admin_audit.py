"""Every change made through Django's admin goes into the audit log, like every other staff action.

``StaffAdminSite.register`` mixes ``AuditedAdminMixin`` into each ``ModelAdmin`` it is given,
third-party ones included, so no admin page can change a row without a trace. Django's own
``LogEntry`` keeps its copy; ours is the one the back office reads and nobody can edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.admin import helpers
from django.db import models
from django.http import HttpRequest, HttpResponseBase

from rvs.core.audit import log_action


def _summary(message: Any) -> dict[str, Any]:
    """What changed, by field label and related model: never the values nor related objects' names.

    Django's change message is ``[{"changed": {"fields": ["Name"]}}, {"added": {"name": "membership",
    "object": "Jane Doe"}}, ...]`` (or a plain string); object names could be personal data.
    """
    fields: list[str] = []
    related: list[dict[str, Any]] = []
    for part in message if isinstance(message, list) else []:
        for verb, detail in part.items():
            if not isinstance(detail, dict):
                continue
            if "name" in detail:  # an inline row added, changed or deleted
                related.append({"action": verb, "model": str(detail["name"]), "fields": detail.get("fields", [])})
            else:
                fields.extend(str(label) for label in detail.get("fields", []))
    summary: dict[str, Any] = {"fields": fields}
    if related:
        summary["related"] = related
    return summary


def _audit(action: str, request: HttpRequest, obj: models.Model, data: dict[str, Any]) -> None:
    log_action(action, actor=request.user, obj=obj, data={"via": "admin", "pk": str(obj.pk), **data})


class AuditedAdminMixin:
    """Writes ``admin.added``, ``admin.changed``, ``admin.deleted`` and ``admin.action`` entries."""

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        _audit("admin.added", request, obj, _summary(message))
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        _audit("admin.changed", request, obj, _summary(message))
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Iterable[models.Model]) -> Any:
        # Called before the rows go, one entry each: the delete view and the bulk action both come here.
        objects = list(queryset)
        for obj in objects:
            _audit("admin.deleted", request, obj, {})
        return super().log_deletions(request, objects)  # type: ignore[misc]

    def response_action(self, request: HttpRequest, queryset: Any) -> HttpResponseBase | None:
        # Other actions than delete (which logs itself above) may change rows Django does not log.
        action = request.POST.get("action", "")
        if action and action != "delete_selected":
            selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
            log_action(
                "admin.action",
                actor=request.user,
                data={"via": "admin", "action": action, "model": queryset.model._meta.label_lower, "pks": selected},
            )
        return super().response_action(request, queryset)  # type: ignore[misc]
