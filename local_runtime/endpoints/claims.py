"""Which process is changing an endpoint: a claim is an exclusive `flock` on
`<workdir>/endpoints/claims/<name>.lock`, holding the status it moves through (Creating, Updating,
Deleting). Two runs in separate processes thus follow SageMaker's rule that an endpoint in progress
takes no other change, and the operating system releases a claim when its process dies (even by
`kill -9`), so a crashed run never leaves an endpoint locked.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

STATUS_BYTES = 16
RETRIES, RETRY_SECONDS = 10, 0.01  # a held claim is refused after about 0.1 s


class Claims:
    def __init__(self, root: Path) -> None:
        self.root = root / "claims"
        self._held: dict[str, int] = {}  # endpoint -> the descriptor holding its lock
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.root / f"{name}.lock"

    def claim(self, name: str, status: str) -> bool:
        """Claim `name` for this process (False if another process holds it), recording `status`."""
        with self._lock:
            if name in self._held:
                return False
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o644)
            for attempt in range(RETRIES):  # `elsewhere` probes take the lock shared for a moment
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if attempt == RETRIES - 1:
                        os.close(fd)
                        return False
                    time.sleep(RETRY_SECONDS)
            os.pwrite(fd, status.encode().ljust(STATUS_BYTES), 0)  # one write: a reader sees all of it
            self._held[name] = fd
            return True

    def release(self, name: str) -> None:
        with self._lock:
            fd = self._held.pop(name, None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock

    def ours(self, name: str) -> bool:
        return name in self._held

    def elsewhere(self, name: str) -> str | None:
        """The status another process is moving `name` through, or None if none is changing it."""
        if name in self._held:
            return None
        try:
            fd = os.open(self._path(name), os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.pread(fd, STATUS_BYTES, 0).decode(errors="replace").strip() or "Updating"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)
