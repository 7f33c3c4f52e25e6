"""The API's downloads: start one (made at once or as a background job), poll it, fetch its file;
the organisation's download templates."""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from rvs.api import serializers as s
from rvs.api.actors import key_of
from rvs.api.openapi import RATE_HEADERS, problem_responses, statuses
from rvs.api.problems import problem

# Python ints and database ids: anything beyond a signed 64-bit integer is not an id we gave out.
from rvs.api.views import ApiView
from rvs.core.access import owned_or_404
from rvs.core.permissions import Perm
from rvs.downloads import selectors as download_selectors
from rvs.downloads import services as download_services
from rvs.downloads.exporters import EXPORTERS
from rvs.downloads.fields import DEFAULT_TEMPLATE_NAME, available_fields
from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.downloads.views import file_response
from rvs.organisations.models import Organisation


class DownloadsView(ApiView):
    required_permission = Perm.DOWNLOADS

    @extend_schema(
        operation_id="downloads_create",
        summary="Create a download",
        description="PDF (signed Statements of Results), XLSX or CSV with a template. Poll it, then fetch the file.",
        request=s.DownloadRequestSerializer,
        parameters=RATE_HEADERS,
        responses={202: s.DownloadSerializer, **problem_responses(*statuses(body=True, lookup=True, downloads=True))},
    )
    def post(self, request: Request) -> Response:
        body = s.DownloadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        template = None
        if data.get("template"):
            templates = DownloadTemplate.objects.filter(organisation=self.organisation)
            template = owned_or_404(templates, data["template"], message=_("No such template."))
        ids = download_selectors.result_ids_for_public_ids(organisation=self.organisation, public_ids=data["results"])
        job = download_services.download_create(
            actor=key_of(request),
            organisation=self.organisation,
            exporter=data["format"],
            result_ids=ids,
            template=template,
            requested=len(set(data["results"])),
        )
        if not job.background:
            # Small downloads are made now, so the first poll already finds the file.
            download_services.download_run(job.pk)
            job.refresh_from_db()
        return Response(s.DownloadSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


def _job(organisation: Organisation, job_id: uuid.UUID) -> DownloadJob:
    return owned_or_404(DownloadJob.objects.filter(organisation=organisation), job_id, message=_("No such download."))


class DownloadDetailView(ApiView):
    required_permission = Perm.DOWNLOADS

    @extend_schema(
        operation_id="downloads_retrieve",
        summary="Poll a download",
        description="Its status and progress; file_url once it is done.",
        parameters=RATE_HEADERS,
        responses={200: s.DownloadSerializer, **problem_responses(*statuses(lookup=True, downloads=True))},
    )
    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        return Response(s.DownloadSerializer(_job(self.organisation, job_id), context={"request": request}).data)


class DownloadFileView(ApiView):
    required_permission = Perm.DOWNLOADS

    @extend_schema(
        operation_id="downloads_file",
        summary="Fetch a download's file",
        description=(
            "The file as an attachment, in the download's format; 409 until the download is ready. Results no "
            "longer shared with you are left out when you fetch it again."
        ),
        parameters=RATE_HEADERS,
        responses={
            **{(200, exporter.content_type.split(";")[0]): OpenApiTypes.BINARY for exporter in EXPORTERS.values()},
            **problem_responses(*statuses(lookup=True, downloads=True, file=True)),
        },
    )
    def get(self, request: Request, job_id: uuid.UUID) -> Any:
        job = _job(self.organisation, job_id)
        if job.status != DownloadJob.Status.DONE or not job.file:
            status_shown = job.get_status_display().lower()
            return problem(409, _("This download is %(status)s; poll it until it is ready.") % {"status": status_shown})
        if download_selectors.download_needs_remaking(job):
            buffer = io.BytesIO()
            download_services.download_render(job, buffer)
            return file_response(job, buffer.getvalue())
        return file_response(job)


class TemplatesView(ApiView):
    required_permission = Perm.RESULTS_VIEW

    @extend_schema(
        operation_id="templates_list",
        summary="Data file templates",
        description=(
            "The default template (id null: every field, and a verdict column per entry requirement) and your "
            "organisation's own, each with its columns in order."
        ),
        parameters=RATE_HEADERS,
        responses={200: s.TemplateSerializer(many=True), **problem_responses(*statuses())},
    )
    def get(self, request: Request) -> Response:
        available = available_fields(organisation=self.organisation)
        default = {"public_id": None, "name": DEFAULT_TEMPLATE_NAME, "fields": list(available)}
        templates = [default, *download_selectors.templates_of(organisation=self.organisation)]
        context = {"available_fields": available}
        return Response(s.TemplateSerializer(templates, many=True, context=context).data)
