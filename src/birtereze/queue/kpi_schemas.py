"""API shapes of the KPIs and the normative alerts."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from birtereze.core.schemas import Output
from birtereze.queue.kpis import Figures

# The figures in the order of the CSV columns (after "key" and "label").
FIGURE_COLUMNS = (
    "issued",
    "served",
    "no_show",
    "cancelled",
    "waiting",
    "unserved",
    "in_progress",
    "transferred",
    "services_delivered",
    "waits",
    "wait_mean_s",
    "wait_max_s",
    "waits_over_norm",
    "over_norm_share",
    "services_timed",
    "service_mean_s",
    "service_max_s",
)


def _seconds(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


class KpiFigures(Output):
    issued: int = Field(description="Tickets issued")
    served: int = Field(description="Visits finished")
    no_show: int = Field(description="Visits ended as a no-show")
    cancelled: int = Field(
        description="Visits cancelled by the citizen, or left waiting when their day ended"
    )
    waiting: int = Field(description="Visits still waiting")
    unserved: int = Field(description="no_show + cancelled + waiting")
    in_progress: int = Field(description="Visits called, being served or parked")
    transferred: int = Field(description="Transactions ended by a transfer")
    services_delivered: int = Field(description="Services recorded as delivered")
    waits: int = Field(description="Transactions called at least once")
    wait_mean_s: float | None
    wait_max_s: float | None
    waits_over_norm: int = Field(description="Waits longer than the queue's maximum wait")
    over_norm_share: float | None = Field(description="waits_over_norm / waits, from 0 to 1")
    services_timed: int = Field(description="Transactions whose service ended or was parked")
    service_mean_s: float | None
    service_max_s: float | None

    @classmethod
    def of(cls, figures: Figures) -> KpiFigures:
        return cls(**cls.values(figures))

    @staticmethod
    def values(figures: Figures) -> dict[str, int | float | None]:
        return {
            "issued": figures.issued,
            "served": figures.served,
            "no_show": figures.no_show,
            "cancelled": figures.cancelled,
            "waiting": figures.waiting,
            "unserved": figures.unserved,
            "in_progress": figures.in_progress,
            "transferred": figures.transferred,
            "services_delivered": figures.services_delivered,
            "waits": figures.waits,
            "wait_mean_s": _seconds(figures.wait_mean_s),
            "wait_max_s": _seconds(figures.wait_max_s) if figures.waits else None,
            "waits_over_norm": figures.waits_over_norm,
            "over_norm_share": (
                round(figures.over_norm_share, 4) if figures.over_norm_share is not None else None
            ),
            "services_timed": figures.services_timed,
            "service_mean_s": _seconds(figures.service_mean_s),
            "service_max_s": _seconds(figures.service_max_s) if figures.services_timed else None,
        }


class KpiRow(KpiFigures):
    key: int | None = Field(
        description="Id of the queue, window, staff user, zone or branch, or the local hour (0-23); "
        "null for what belongs to no group (e.g. tickets never called to a window)"
    )
    label: str = Field(description="The group's name in the caller's language")


class KpiReport(Output):
    branch_id: int
    day: date = Field(description="The branch's local day whose tickets the figures cover")
    timezone: str
    group_by: str
    rows: list[KpiRow]
    total: KpiFigures


class AlertRead(Output):
    id: int
    kind: str = Field(description="wait | service_time | idle_window | queue_length")
    title: str = Field(description="What is breached, in the caller's language")
    subject: str = Field(description="queue:<id> or window:<id>")
    queue_id: int | None
    window_id: int | None
    value: float = Field(description="The measured value: seconds, or tickets for queue_length")
    limit: float = Field(description="The normative it exceeds, in the same unit")
    raised_at: datetime
    cleared_at: datetime | None
    open: bool
