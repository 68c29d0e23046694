"""Attachments are served only to members of the attachment's organisation, always as a download."""

from __future__ import annotations

import logging

from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from loket.cases.selectors import access_attachment
from loket.web.access import DeskRequest, member_required

logger = logging.getLogger(__name__)


@member_required
def attachment_download(request: DeskRequest, attachment_id: int) -> HttpResponse:
    attachment = access_attachment(request.organization, attachment_id)
    return download(attachment.file, attachment.filename, attachment.content_type)


def download(file: FieldFile, filename: str, content_type: str) -> HttpResponse:
    """An uploaded file as a download that a browser never renders as a page of ours."""
    try:
        with file.open("rb") as handle:
            # Uploads are bounded (ATTACHMENT_MAX_BYTES and the like); one read avoids serving a
            # synchronous file stream through the ASGI server, which Django can only buffer.
            content = handle.read()
    except OSError:
        logger.exception("%s has no readable file", file.name)
        raise Http404 from None
    response = HttpResponse(content, content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    # Never let a browser render an uploaded file as a page of ours.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
