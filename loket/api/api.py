"""The REST API v1, mounted at /api/v1/ (see docs/api.md).

Every response is JSON, errors included (loket.api.errors): ninja's own 404 for an unknown
path and 405 for a wrong method are replaced here, because Django's would be HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from ninja import NinjaAPI, Swagger
from ninja.operation import Operation

from loket.api.errors import error_response, install_handlers
from loket.api.routers import (
    bookings,
    business_hours,
    cases,
    channel_accounts,
    contacts,
    customers,
    death_notifications,
    events,
    inbound,
    mailboxes,
    messages,
    monitor,
    promises,
    templates,
)
from loket.api.schemas.common import ErrorOut

DESCRIPTION = """The REST API of Loket. Authenticate with `Authorization: Bearer lkt_…`.
Errors are JSON: `{"code", "reason", "fields"}`. Lists are cursor-paginated:
`{"items": [...], "next": "<cursor>"|null}`. See docs/api.md in the repository."""


def _json_method_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            json = error_response(405, "method_not_allowed", f"{request.method} is not allowed here.")
            json["Allow"] = response.get("Allow", "")
            return json
        return response

    return wrapper


def _unknown_route(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return error_response(404, "not_found", "No such endpoint; see /api/v1/docs.")


def _root(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return JsonResponse(
        {"name": "Loket API", "version": "1", "docs": request.path + "docs", "openapi": request.path + "openapi.json"}
    )


# The errors any authenticated operation can answer with, documented once for all of them.
COMMON_ERRORS = {
    "400": "Malformed JSON.",
    "401": "Missing, unknown, expired or revoked token.",
    "403": "The token lacks the scope, or the action is not allowed.",
    "404": "Not found (also: another organisation's object).",
    "413": "Request body too large.",
    "422": "Invalid input; `fields` names each invalid field.",
    "429": "Rate limit exceeded; see the Retry-After header.",
}


class LoketAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # "create_case" rather than "loket_api_routers_cases_create_case": what generated clients call it.
        return operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["Error"] = ErrorOut.model_json_schema()
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, description in COMMON_ERRORS.items():
                    operation["responses"].setdefault(status, {"description": description, **error})
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls: list[URLResolver | URLPattern] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                # ninja reverses this name to find the API's prefix; its own view raises Http404 (HTML).
                urls.append(path("", _root, name="api-root"))
            elif isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
                urls.append(pattern)
            else:
                urls.append(pattern)
        urls.append(re_path(r"^.*$", _unknown_route, name="unknown-route"))
        return urls


api = LoketAPI(title="Loket API", version="1", description=DESCRIPTION, docs=Swagger(), docs_url="/docs")
install_handlers(api)

api.add_router("/customers", customers.router)
api.add_router("/cases", cases.router)
api.add_router("/cases", messages.router)
api.add_router("/cases", contacts.router)
api.add_router("/events", events.router)
api.add_router("/inbound", inbound.router)
api.add_router("/mailboxes", mailboxes.router)
api.add_router("/channel-accounts", channel_accounts.router)
api.add_router("/channel-accounts", templates.router)
api.add_router("/business-hours", business_hours.router)
api.add_router("", monitor.router)
api.add_router("/promises", promises.router)
api.add_router("/bookings", bookings.router)
api.add_router("/death-notifications", death_notifications.router)
