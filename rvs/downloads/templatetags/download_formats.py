"""The formats a page offers, asked of the exporter registry when it is drawn (decision 0021)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from rvs.downloads import exporters
from rvs.downloads.exporters import DataExporter, Exporter
from rvs.downloads.models import DownloadJob

register = template.Library()


@register.simple_tag
def download_formats() -> list[Exporter]:
    """Every format, for the Download Options of the results table."""
    return list(exporters.EXPORTERS.values())


@register.simple_tag
def export_formats() -> list[DataExporter]:
    """The formats of the audit and activity exports: those sent while written."""
    return exporters.streaming_exporters()


@register.simple_tag
def data_format_labels(last: str = ", ") -> str:
    """The data-file formats' short names: "XLSX, CSV", or "XLSX or CSV" with ``last=" or "``."""
    return exporters.labels(exporters.data_exporters(), last=last)


@register.filter
def format_label(job: DownloadJob) -> str:
    """Download History's Format column: "Data File (CSV)", "Bulk verification (XLSX)"."""
    exporter = exporters.EXPORTERS.get(job.exporter)
    if job.kind == DownloadJob.Kind.BULK_VERIFICATION:
        short = exporter.label if exporter else job.exporter.upper()
        return _("Bulk verification (%(format)s)") % {"format": short}
    return str(exporter.verbose_name) if exporter else job.exporter.upper()


@register.filter
def format_short(job: DownloadJob) -> str:
    """A download's format by its short name, "XLSX" (one no longer registered: its identifier)."""
    exporter = exporters.EXPORTERS.get(job.exporter)
    return exporter.label if exporter else job.exporter.upper()
