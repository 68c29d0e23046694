"""The customer's callback booking, without a token: the signed link is the permission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from loket.api.errors import ApiError
from loket.api.schemas.promises import BookingIn, BookingOut, SlotOut
from loket.promises import booking

router = Router(tags=["bookings"])


def _link(token: str) -> Any:
    try:
        return booking.open_link(token)
    except booking.BookingError as error:
        raise ApiError(error.status, "invalid_link", error.reason) from None


def _out(promise: Any) -> dict[str, Any]:
    return {"status": promise.status, "due_from": promise.due_from, "due_until": promise.due_until}


@router.get("/{token}/slots", auth=None, response=list[SlotOut], summary="The slots a customer can book")
def list_booking_slots(request: HttpRequest, token: str) -> Any:
    link = _link(token)
    if link.used_up_at is not None:
        return []
    return [{"slot": s.key, "start": s.start, "end": s.end, "free": s.free} for s in booking.slots(link)]


def _do(token: str, run: Any) -> dict[str, Any]:
    link = _link(token)
    try:
        return _out(run(link))
    except booking.BookingError as error:
        raise ApiError(409 if error.status == 400 else error.status, "booking_refused", error.reason) from None


@router.post("/{token}", auth=None, response={201: BookingOut}, summary="Book a slot")
def book_slot(request: HttpRequest, token: str, payload: BookingIn) -> Any:
    return Status(201, _do(token, lambda link: booking.do_book(link, payload.slot)))


@router.post("/{token}/move", auth=None, response=BookingOut, summary="Move the booking to another slot")
def move_booking(request: HttpRequest, token: str, payload: BookingIn) -> Any:
    return _do(token, lambda link: booking.do_move(link, payload.slot))


@router.post("/{token}/cancel", auth=None, response=BookingOut, summary="Cancel the booking")
def cancel_booking(request: HttpRequest, token: str) -> Any:
    return _do(token, booking.do_cancel)
