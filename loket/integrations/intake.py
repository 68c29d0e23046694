"""The intake: one thread per web-server process that stores the deliveries of the moment's
webhook posts together (group commit), for the acknowledgement path (``ingress.py``).

A webhook may be answered only once what it brought is committed. Committing each post on its
own costs a round trip and a commit per message; under load many posts wait at the same moment.
The intake takes every delivery handed to it since its last commit and stores them in one
transaction (one INSERT … ON CONFLICT DO NOTHING: idempotent on the provider's id, as
``do_accept_deliveries``), then resolves each post's future, so each post is answered right after
the commit that holds its deliveries — never before. When a transaction with several posts
fails, each post is tried on its own, so one bad post fails only itself; a post whose deliveries
cannot be stored gets the error (the server answers 500 and the provider sends it again).

The same thread runs the path's other database work (looking up an account by its key), so the
event loop never touches the database; the thread holds one connection while there is work and
gives it back to the pool when idle, as Django does at the end of a request.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models.constants import OnConflict

from loket.integrations.models import InboundDelivery

logger = logging.getLogger(__name__)

MAX_ROWS = 500  # per transaction: a burst is stored in a few, not one unbounded INSERT
MAX_PARAMETERS = 32_000  # below PostgreSQL's 65,535 and SQLite's 32,766 bound parameters per statement


@dataclass
class _Store:
    deliveries: Sequence[InboundDelivery]
    future: Future[None] = field(default_factory=Future)


@dataclass
class _Call:
    fn: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)


class Intake:
    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Store | _Call] = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()

    def store(self, deliveries: Sequence[InboundDelivery]) -> Future[None]:
        """Store these unsaved deliveries; the future is done once they are committed."""
        job = _Store(deliveries)
        self._put(job)
        return job.future

    def call(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` (a database read) on the intake's thread; the future holds its result."""
        job = _Call(fn)
        self._put(job)
        return job.future

    def _put(self, job: _Store | _Call) -> None:
        if not self._started:
            with self._lock:
                if not self._started:
                    threading.Thread(target=self._run, name="loket-intake", daemon=True).start()
                    self._started = True
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if isinstance(job, _Call):
                _call(job)
                if self._jobs.empty():
                    connection.close()
                continue
            batch, calls, rows = [job], [], len(job.deliveries)
            while rows < MAX_ROWS:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if isinstance(more, _Call):
                    calls.append(more)
                else:
                    batch.append(more)
                    rows += len(more.deliveries)
            _store(batch)
            for call in calls:
                _call(call)
            if self._jobs.empty():
                connection.close()  # idle: back to the pool, as Django does at the end of a request


def _store(batch: list[_Store]) -> None:
    try:
        _commit([delivery for job in batch for delivery in job.deliveries])
    except Exception as error:
        _recover(error)
        if len(batch) == 1:
            batch[0].future.set_exception(error)
            return
        for job in batch:  # one by one: a bad post fails only itself
            _store([job])
        return
    for job in batch:
        job.future.set_result(None)


# Every column but the id, as bulk_create writes them.
FIELDS = [field for field in InboundDelivery._meta.concrete_fields if not field.primary_key]


def _commit(deliveries: list[InboundDelivery]) -> None:
    """One INSERT … ON CONFLICT DO NOTHING in autocommit: a statement is its own transaction, so
    the database commits it without BEGIN and COMMIT round trips (bulk_create wraps itself in a
    transaction: 0.52 against 0.32 ms per batch of three on an idle machine here). The rows are
    what bulk_create would write (test_ingress.py compares them field by field with the view's)."""
    if len(deliveries) * len(FIELDS) > MAX_PARAMETERS:  # never with MAX_ROWS; one statement or the safe way
        with transaction.atomic():
            InboundDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        return
    InboundDelivery.objects.all()._insert(deliveries, fields=FIELDS, on_conflict=OnConflict.IGNORE)  # type: ignore[attr-defined]


def _call(job: _Call) -> None:
    try:
        job.future.set_result(job.fn())
    except Exception as error:
        _recover(error)
        job.future.set_exception(error)


def _recover(error: Exception) -> None:
    if isinstance(error, DatabaseError):
        logger.warning("intake: %s; the connection is replaced", error)
        connection.close()  # a broken connection is not reused by the next batch


intake = Intake()
