"""Every API error is JSON: ``{"code": "...", "reason": "...", "fields": {...}}``.

``ApiError`` is the one exception endpoints and the auth gate raise; the handlers below turn
it, ninja's own errors and Django's (Http404, ValidationError, PermissionDenied,
RequestDataTooBig) into that shape. The codes are documented in docs/api.md, "Errors".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

# ninja names a parameter's source and the endpoint argument first in an error location;
# a client only cares about the field inside the body or query string.
_LOCATION_PREFIXES = {"body", "query", "path", "header", "cookie", "form", "file", "payload", "filters"}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        reason: str,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.fields = fields or {}
        self.headers = headers or {}


def not_found(what: str = "Object", field: str | None = None) -> ApiError:
    fields = {field: f"{what} not found."} if field else None
    return ApiError(404, "not_found", f"{what} not found.", fields=fields)


def error_response(
    status: int, code: str, reason: str, fields: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = JsonResponse({"code": code, "reason": reason, "fields": fields or {}}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    while parts and parts[0] in _LOCATION_PREFIXES:
        parts.pop(0)
    return ".".join(str(part) for part in parts) or "body"


def django_error_fields(exc: DjangoValidationError) -> tuple[str, dict[str, str]]:
    """(reason, fields) of a Django ValidationError raised by an action."""
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages), {}
    fields = {name: " ".join(messages) for name, messages in exc.message_dict.items() if name != NON_FIELD_ERRORS}
    general = exc.message_dict.get(NON_FIELD_ERRORS, [])
    return (" ".join(general) or "Invalid input."), fields


@contextmanager
def errors_on(field: str) -> Iterator[None]:
    """Name the field a field-less ValidationError of an action is about (e.g. an invalid phone)."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise DjangoValidationError({field: exc.messages}) from exc


# --- Handlers ---------------------------------------------------------------------------------


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.reason, exc.fields, exc.headers)


def _ninja_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        name = field_name(error.get("loc", ()))
        message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
        fields[name] = f"{fields[name]}; {message}" if name in fields else message
    return error_response(422, "invalid", "The request has invalid fields.", fields)


def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    reason, fields = django_error_fields(exc)
    return error_response(422, "invalid", reason, fields)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error_response(401, "unauthenticated", "Send a valid token: 'Authorization: Bearer lkt_…'.")
    if exc.status_code == 400:
        # ninja raises this when the body cannot be parsed.
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    return error_response(exc.status_code, "error", str(exc))


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", "Not found.")


def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, "forbidden", str(exc) or "You may not do this.")


def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413, "too_large", "The request body is larger than the server accepts.")


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(500, "server_error", "Something went wrong on our side; it has been logged.")


HANDLERS: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
    (Exception, _unexpected),
    (ApiError, _api_error),
    (NinjaValidationError, _ninja_validation_error),
    (DjangoValidationError, _django_validation_error),
    (HttpError, _http_error),
    (Http404, _not_found),
    (PermissionDenied, _permission_denied),
    (RequestDataTooBig, _too_big),
]


def install_handlers(api: NinjaAPI) -> None:
    """ninja picks the handler of the most specific class in the exception's MRO."""
    for exc_class, handler in HANDLERS:
        api.add_exception_handler(exc_class, handler)
