"""A real IMAP server for the tests: Debian's dovecot, a throw-away instance on a free port.

Its own config file, base_dir and maildir in a temporary directory; one user (static passdb);
plain-text login allowed on loopback (no TLS in a test). Dovecot's login process refuses to
run as root, so as root it runs as ``dovenull``/``dovecot`` and the mail dir is theirs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = Path(os.environ.get("LOKET_DOVECOT", "/usr/sbin/dovecot"))
MISSING = f"Debian's dovecot-imapd is not installed at {DOVECOT} (make test installs it)"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{base}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    username: str
    password: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dovecot(username: str = "service", password: str = "geheim") -> Iterator[ImapServer]:  # noqa: S107 (a test server)
    # Its own directory under /tmp: dovecot's unprivileged processes must reach it, and
    # pytest's tmp_path lies under a directory only its owner may enter.
    with tempfile.TemporaryDirectory(prefix="loket-dovecot-") as directory:
        os.chmod(directory, 0o755)  # noqa: S103 (readable by dovecot's users; nothing secret in it)
        with _dovecot(Path(directory), username, password) as server:
            yield server


@contextmanager
def _dovecot(base: Path, username: str, password: str) -> Iterator[ImapServer]:
    for sub in ("run", "state", "mail", "home"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    as_root = os.getuid() == 0
    if as_root:
        account = pwd.getpwnam("dovecot")
        uid, gid = account.pw_uid, account.pw_gid
        for path in (base / "mail", base / "home", base / "state"):
            shutil.chown(path, uid, gid)
        login_user, internal_user = "dovenull", "dovecot"
    else:
        uid, gid = os.getuid(), os.getgid()
        login_user = internal_user = pwd.getpwuid(uid).pw_name
    port = _free_port()
    config = base / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            base=base,
            uid=uid,
            gid=gid,
            port=port,
            password=password,
            login_user=login_user,
            internal_user=internal_user,
        )
    )
    # In the foreground (-F), so that the test owns the process and stops it whatever happens.
    process = subprocess.Popen(  # noqa: S603 (our own config, Debian's binary)
        [str(DOVECOT), "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for(port, base / "dovecot.log", process)
        yield ImapServer("127.0.0.1", port, username, password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(port: int, log: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)  # the server is starting: poll its port, not the clock
    raise RuntimeError(f"dovecot did not start on port {port}: {log.read_text() if log.exists() else ''}")
