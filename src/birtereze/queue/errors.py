"""Errors of the queue domain."""

from __future__ import annotations

from birtereze.core.errors import Conflict, DomainError, InvalidInput
from birtereze.core.i18n import _l


class ServiceNotOffered(InvalidInput):
    code = "service_not_offered"
    message = _l("This service is not offered at this centre.")


class CentreClosed(Conflict):
    code = "centre_closed"
    message = _l("The centre is closed now; tickets are issued again from {opens}.")


class UnknownPriority(InvalidInput):
    code = "unknown_priority"
    message = _l("Unknown priority category: {code}.")


class UnknownOutcome(InvalidInput):
    code = "unknown_outcome"
    message = _l("Unknown outcome {code} for this service.")


class NoTicketWaiting(Conflict):
    code = "no_ticket_waiting"
    message = _l("No ticket is waiting for this window.")


class TicketNotCallable(Conflict):
    code = "ticket_not_callable"
    message = _l("Ticket {number} cannot be called now: it is {state}.")


class RecallLimitReached(Conflict):
    code = "recall_limit_reached"
    message = _l("Ticket {number} has been called {calls} times, the most allowed.")


class ParkedTicketsWaiting(Conflict):
    code = "parked_tickets_waiting"
    message = _l("Resume or transfer the tickets parked at this window before closing it: {numbers}.")


class OperatorAtAnotherWindow(Conflict):
    code = "operator_at_another_window"
    message = _l("You are already signed in at window {number}: close it before opening another.")


class NoShowTooEarly(Conflict):
    code = "no_show_too_early"
    message = _l("A no-show can be recorded after all recalls or {seconds} seconds after the call.")


class OutcomeRequired(Conflict):
    code = "outcome_required"
    message = _l("Record the outcome of every service that requires one before finishing.")


class WindowNotInBranch(InvalidInput):
    code = "window_not_in_branch"
    message = _l("The target is not in the same centre.")


class TransferTargetRequired(InvalidInput):
    code = "transfer_target_required"
    message = _l("Give exactly one transfer target: a queue, a window or a staff member.")


class ProfileRequired(InvalidInput):
    code = "profile_required"
    message = _l("Choose a work profile of this centre to open the window.")


class BreakReasonRequired(InvalidInput):
    code = "break_reason_required"
    message = _l("Give a reason for the break.")


class TicketTokenInvalid(InvalidInput):
    status = 404
    code = "ticket_token_invalid"
    message = _l("This ticket link is not valid or has expired.")


class NoPrinter(Conflict):
    code = "no_printer"
    message = _l("No ticket printer is set up for this kiosk: print the ticket through the browser.")


class PrinterUnavailable(DomainError):
    status = 503
    code = "printer_unavailable"
    message = _l(
        "The ticket printer does not answer. Your ticket is valid: note its number or scan its code."
    )


class TicketNotArrived(Conflict):
    code = "ticket_not_arrived"
    message = _l("Ticket {number} was taken on a phone and its holder has not checked in at the centre yet.")


class PhoneNotVerified(Conflict):
    code = "phone_not_verified"
    message = _l("Remote tickets need a confirmed phone number: sign in with an SMS code first.")


class RemoteTicketActive(Conflict):
    code = "remote_ticket_active"
    message = _l("You already have ticket {number} at this centre: one remote ticket per centre at a time.")


class RemoteTicketsOff(Conflict):
    code = "remote_tickets_off"
    message = _l("This centre does not issue tickets by phone: take a ticket at its kiosk.")


class NoRemoteTicket(Conflict):
    status = 404
    code = "no_remote_ticket"
    message = _l("You have no remote ticket waiting at this centre today.")


class ArrivalKeyInvalid(InvalidInput):
    status = 404
    code = "arrival_key_invalid"
    message = _l(
        "This check-in code is not valid or is from another day: scan the code on the kiosk's screen."
    )


class NotRemoteTicket(Conflict):
    code = "not_remote_ticket"
    message = _l("This ticket was taken at the centre: there is nothing to check in.")


class TicketNotWaiting(Conflict):
    code = "ticket_not_waiting"
    message = _l("Ticket {number} is no longer waiting, so it cannot be checked in.")


class CheckInByLocationOff(Conflict):
    code = "check_in_by_location_off"
    message = _l("This centre does not check tickets in by location: scan the QR code on the kiosk's screen.")


class TooFarToCheckIn(Conflict):
    code = "too_far_to_check_in"
    message = _l(
        "You seem to be {distance} m from the centre: check in when you are there, or scan the QR code on "
        "the kiosk's screen."
    )
