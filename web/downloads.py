"""Sending a stored file (a source zip, a whole player log) without holding a web thread.

Behind nginx with the media folder mounted (the compose stack, ``ARENA_MEDIA_ACCEL_PREFIX``) the
file is handed to nginx with X-Accel-Redirect; otherwise it is streamed from the storage.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def send_stored_file(field: FieldFile, filename: str, content_type: str) -> HttpResponse:
    """The stored file as a download named ``filename``, or 404 if it is no longer stored."""
    gone = "this file is no longer stored"
    if not field:
        raise Http404(gone)
    if settings.MEDIA_ACCEL_PREFIX and isinstance(field.storage, FileSystemStorage):
        # nginx sends the file from the media folder it mounts: no thread of ours streams it.
        if not field.storage.exists(field.name):
            raise Http404(gone)
        response = HttpResponse(content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["X-Accel-Redirect"] = (
            settings.MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + quote(field.name)
        )
        return response
    try:
        stored = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404(gone) from exc
    return FileResponse(stored, as_attachment=True, filename=filename, content_type=content_type)
