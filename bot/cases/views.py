"""Read-only snapshots of cases handed out by ``CaseService`` (no ORM session needed).

``CaseView.masked_copy()`` returns the same case with personal data masked
(``bot.privacy``); that is what citizens and logs get.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot.cases.channels import CHANNEL_LABELS, Channel
from bot.cases.models import Case, CaseEvent, EventKind
from bot.cases.status import STATUS_LABELS, CaseStatus
from bot.privacy import mask_address, mask_name, mask_phone, mask_text

__all__ = ["CaseView", "EventView", "case_to_view"]


@dataclass(frozen=True)
class EventView:
    """One timeline entry."""

    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    note: str
    at: datetime


@dataclass(frozen=True)
class CaseView:
    """A case as plain data; datetimes are naive UTC, ``*_due`` are China-local dates."""

    case_number: str
    matter: str
    status: CaseStatus
    channel: Channel
    petitioner_name: str
    petitioner_phone: str
    petitioner_address: str | None
    description: str
    requested_outcome: str
    reasons: str
    location: str
    occurred_at: str
    handling_unit: str | None
    sender_id: str | None
    received_at: datetime
    accepted_at: datetime | None
    answered_at: datetime | None
    review_requested_at: datetime | None
    recheck_requested_at: datetime | None
    closed_at: datetime | None
    extension_days: int | None
    extension_reason: str | None
    acceptance_due: date | None
    handling_due: date | None
    review_due: date | None
    recheck_due: date | None
    created_at: datetime
    updated_at: datetime
    events: tuple[EventView, ...] = field(default=())
    masked: bool = False
    hearing_started_at: datetime | None = None
    hearing_days: int | None = None

    @property
    def hearing_under_way(self) -> bool:
        """A 复核 hearing has begun and its duration is not recorded yet."""
        return self.hearing_started_at is not None and self.hearing_days is None

    @property
    def status_label(self) -> str:
        """Chinese label of the status."""
        return STATUS_LABELS[self.status]

    @property
    def channel_label(self) -> str:
        """Chinese label of the channel."""
        return CHANNEL_LABELS[self.channel]

    @property
    def reviewed(self) -> bool:
        """A 复查 has been requested at some point."""
        return self.review_requested_at is not None

    @property
    def last_step(self) -> EventView | None:
        """The latest procedural event (not officer access or code resets)."""
        steps = [event for event in self.events if event.kind in EventKind.STEPS]
        return steps[-1] if steps else None

    def masked_copy(self) -> CaseView:
        """This case with name, phone, address and free text masked."""
        if self.masked:
            return self
        events = tuple(replace(event, note=mask_text(event.note)) for event in self.events)
        return replace(
            self,
            petitioner_name=mask_name(self.petitioner_name),
            petitioner_phone=mask_phone(self.petitioner_phone),
            petitioner_address=mask_address(self.petitioner_address) if self.petitioner_address else None,
            description=mask_text(self.description),
            requested_outcome=mask_text(self.requested_outcome),
            reasons=mask_text(self.reasons),
            location=mask_text(self.location),
            extension_reason=mask_text(self.extension_reason) if self.extension_reason else None,
            sender_id=None,
            events=events,
            masked=True,
        )


def _event_view(event: CaseEvent) -> EventView:
    return EventView(event.kind, event.from_status, event.to_status, event.actor, event.note or "", event.at)


def case_to_view(case: Case, *, with_events: bool = True) -> CaseView:
    """Snapshot an ORM ``Case`` (events are loaded if ``with_events``)."""
    events = tuple(_event_view(e) for e in case.events) if with_events else ()
    return CaseView(
        case_number=case.case_number,
        matter=case.matter,
        status=CaseStatus(case.status),
        channel=Channel(case.channel),
        petitioner_name=case.petitioner_name,
        petitioner_phone=case.petitioner_phone,
        petitioner_address=case.petitioner_address,
        description=case.description,
        requested_outcome=case.requested_outcome,
        reasons=case.reasons,
        location=case.location or "",
        occurred_at=case.occurred_at or "",
        handling_unit=case.handling_unit,
        sender_id=case.sender_id,
        received_at=case.received_at,
        accepted_at=case.accepted_at,
        answered_at=case.answered_at,
        review_requested_at=case.review_requested_at,
        recheck_requested_at=case.recheck_requested_at,
        closed_at=case.closed_at,
        extension_days=case.extension_days,
        extension_reason=case.extension_reason,
        acceptance_due=case.acceptance_due,
        handling_due=case.handling_due,
        review_due=case.review_due,
        recheck_due=case.recheck_due,
        created_at=case.created_at,
        updated_at=case.updated_at,
        events=events,
        hearing_started_at=case.hearing_started_at,
        hearing_days=case.hearing_days,
    )
