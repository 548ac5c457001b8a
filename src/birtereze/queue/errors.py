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
