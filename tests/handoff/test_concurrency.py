"""Two officers claiming at once, and two processes opening a handoff at once (both backends)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.accounts.service import AccountService
from bot.handoff.models import Handoff, Reason, Status
from bot.handoff.service import HandoffService
from bot.store.db import session_scope
from tests.handoff.fixtures import PASSWORD

T = TypeVar("T")
ROUNDS = 15


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls in threads released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[T | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results  # type: ignore[return-value]


def test_two_officers_claiming_at_once_only_one_wins(factory: sessionmaker,
                                                     accounts: AccountService) -> None:
    officers = [accounts.create(f"officer{i}", f"民警{i}", PASSWORD) for i in range(4)]
    services = [HandoffService(factory) for _ in officers]  # one per "request handler"
    for round_no in range(ROUNDS):
        view = services[0].request("webchat", f"web-race{round_no:04d}", Reason.REQUESTED).handoff
        contenders = officers[:2] if round_no % 2 == 0 else officers
        results = at_once([
            (lambda s=services[i], o=officer, view=view: s.claim(view.id, o.id, o.username))
            for i, officer in enumerate(contenders)])
        winners = [r for r in results if r is not None]
        assert len(winners) == 1, f"round {round_no}: {len(winners)} winners"
        final = services[0].get(view.id)
        assert final.status == Status.ASSIGNED and final.officer_id == winners[0].officer_id


def test_concurrent_requests_for_one_citizen_make_one_handoff(factory: sessionmaker) -> None:
    services = [HandoffService(factory) for _ in range(4)]
    for round_no in range(5):
        sender = f"web-dup{round_no:05d}"
        results = at_once([(lambda s=s, sender=sender: s.request("webchat", sender, Reason.REQUESTED))
                           for s in services])
        assert len({r.handoff.id for r in results}) == 1
        assert sum(r.created for r in results) == 1
    with session_scope(factory) as session:
        assert session.execute(select(func.count()).select_from(Handoff)).scalar() == 5


def test_claim_and_close_race(factory: sessionmaker, accounts: AccountService) -> None:
    """An admin closing while an officer claims: the handoff ends in one consistent state."""
    wang = accounts.create("wang2", "王", PASSWORD)
    chief = accounts.create("chief2", "赵", PASSWORD, role="admin")
    service = HandoffService(factory)
    for round_no in range(ROUNDS):
        view = service.request("webchat", f"web-cc{round_no:06d}", Reason.REQUESTED).handoff
        claimed, closed = at_once([
            lambda view=view: service.claim(view.id, wang.id, "wang2"),
            lambda view=view: service.close(view.id, chief.id, "重复", "chief2", admin=True)])
        final = service.get(view.id)
        assert closed is not None  # an admin may close from either state
        assert final.status == Status.CLOSED
        assert claimed is None or claimed.officer_id == wang.id
