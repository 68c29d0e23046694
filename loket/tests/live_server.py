"""A real ASGI server (uvicorn, HTTP + WebSockets) on loopback for browser and live tests.

pytest-django's ``live_server`` speaks WSGI only; live updates need WebSockets, so the tests
run Loket's own ASGI application in uvicorn, in a thread of the test process, against the
test database (``transactional_db``: the server thread sees committed rows).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def run_asgi_server() -> Iterator[str]:
    from loket.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="on", log_level="warning", ws="websockets-sansio"
    )
    server = _Server(config)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(server.serve())
        except BaseException as exc:  # reported to the test below, not lost in the thread
            failure.append(exc)
        finally:
            server.ready.set()

    thread = threading.Thread(target=serve, name="uvicorn-test", daemon=True)
    thread.start()
    if not server.ready.wait(timeout=15) or failure or not server.started:
        raise RuntimeError("uvicorn did not start") from (failure[0] if failure else None)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
