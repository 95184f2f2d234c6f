"""Every API error is JSON: ``{"error": "<what went wrong and what to do>", ...}``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def first_message(detail: Any) -> str:
    """The first message of a DRF error detail (a string, a list, or a dict of fields)."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            message = first_message(value)
            return message if field in ("non_field_errors", "detail") else f"{field}: {message}"
        return ""
    if isinstance(detail, list):
        return first_message(detail[0]) if detail else ""
    return str(detail)


NOT_AUTHENTICATED = (
    "This needs your API token: send 'Authorization: Bearer <token>'. Create the token on your "
    "profile page (/account/api-token/)."
)

# DRF's own 404 messages, which say nothing useful.
GENERIC_NOT_FOUND = ("Not found.", "No Page matches the given query.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data: dict[str, Any] = {"error": first_message(response.data)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        data["fields"] = response.data  # every message, by field
    if isinstance(exc, exceptions.NotFound) and data["error"] in GENERIC_NOT_FOUND:
        data["error"] = "Not found: check the address (see /api/v1/docs/)."
    if isinstance(exc, exceptions.NotAuthenticated):
        data["error"] = NOT_AUTHENTICATED
    response.data = data
    for header, value in getattr(exc, "headers", {}).items():  # e.g. Retry-After
        response[header] = value
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/v1/: a JSON 404 rather than the site's HTML page."""
    return JsonResponse(
        {"error": f"There is no API endpoint at {request.path}: see /api/v1/docs/ for the list."},
        status=status.HTTP_404_NOT_FOUND,
    )
