"""The appointments domain's errors: each with its status, stable code and translated message."""

from __future__ import annotations

from birtereze.core.errors import Conflict, DomainError, InvalidInput
from birtereze.core.i18n import _l


class SlotNotOffered(InvalidInput):
    code = "slot_not_offered"
    message = _l("This time cannot be booked: choose one of the free slots offered.")


class SlotFull(Conflict):
    code = "slot_full"
    message = _l("This slot has just been taken: choose another time.")


class TooManyActive(Conflict):
    code = "too_many_bookings"
    message = _l("You already have {limit} active bookings: cancel one to book another.")


class ServiceBookedThatDay(Conflict):
    code = "service_booked_that_day"
    message = _l("You already have a booking for this service on that day.")


class TooManyThisMonth(Conflict):
    code = "too_many_bookings_30_days"
    message = _l("You have made {limit} bookings in the last 30 days: no more can be made now.")


class NotBooked(Conflict):
    code = "booking_not_active"
    message = _l("This booking can no longer be changed: it is not active.")


class BookingCodeUnknown(DomainError):
    status = 404
    code = "booking_code_unknown"
    message = _l("No booking with this code today at this centre.")


class TooEarly(Conflict):
    code = "check_in_too_early"
    message = _l("It is too early to check in: please check in from {opens}.")


class TooLate(Conflict):
    code = "check_in_too_late"
    message = _l("The arrival time of this booking has passed: please take a ticket in the general queue.")
