"""Attachments are served only to members of the attachment's organisation, always as a download."""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from loket.cases.selectors import access_attachment
from loket.web.access import DeskRequest, member_required

logger = logging.getLogger(__name__)


@member_required
def attachment_download(request: DeskRequest, attachment_id: int) -> HttpResponse:
    attachment = access_attachment(request.organization, attachment_id)
    try:
        with attachment.file.open("rb") as handle:
            # Attachments are bounded (ATTACHMENT_MAX_BYTES); one read avoids serving a
            # synchronous file stream through the ASGI server, which Django can only buffer.
            content = handle.read()
    except OSError:
        logger.exception("attachment %s has no readable file", attachment.pk)
        raise Http404 from None
    response = HttpResponse(content, content_type=attachment.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=attachment.filename)
    # Never let a browser render an uploaded file as a page of ours.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
