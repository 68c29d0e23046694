"""Running queued background tasks inside a test, with the real database task backend.

The same worker code as ``manage.py db_worker`` runs each ready task (run_after ≤ now, so
time_machine decides what is due); a task that fails makes the test fail with its error.
"""

from __future__ import annotations

from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_pending_tasks(limit: int = 100) -> int:
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        result = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if result is None:
            break
        result.claim(worker.worker_id)
        worker.run_task(result)
        result.refresh_from_db()
        if result.status == TaskResultStatus.FAILED:
            raise AssertionError(f"task {result.task_path} failed: {result.traceback}")
        ran += 1
    return ran
