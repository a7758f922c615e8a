"""What the embedded-server registry needs to know about other processes, without psutil.

A pid alone does not name a process for long: after a ``kill -9`` or a reboot
the number can be given to an unrelated program. So a process is recorded as
its pid plus a start token (the start time the kernel reports in
``/proc/<pid>/stat``), and only counts as the same process while both match.
Where ``/proc`` does not exist (macOS), the token is ``None`` and the pid alone
is checked, which is the best the platform offers without extra packages.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

_PROC = Path("/proc")


def pid_alive(pid: int) -> bool:
    """Whether `pid` names a running process (a zombie waiting to be reaped does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return _state(pid) not in ("Z", "X")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, or None off Linux or if gone."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may itself contain spaces or ')'
    return raw[raw.rfind(")") + 2 :].split()


def _state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def start_token(pid: int) -> str | None:
    """When `pid` started (clock ticks since boot), or None where ``/proc`` cannot say."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else None


def same_process(pid: int, token: str | None) -> bool:
    """Whether `pid` still names the process recorded with `token` (see the module docstring)."""
    if not pid_alive(pid):
        return False
    return token is None or start_token(pid) in (None, token)


def command_line(pid: int) -> list[str] | None:
    """The arguments of `pid` as the process shows them now, or None where unknown."""
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def executable_name(pid: int) -> str | None:
    """The file name of the program `pid` runs, or None where unknown."""
    try:
        return Path(os.readlink(_PROC / str(pid) / "exe")).name
    except OSError:
        return None


def working_directory(pid: int) -> Path | None:
    """The current directory of `pid` (Redis and PostgreSQL run in their data folder)."""
    try:
        return Path(os.readlink(_PROC / str(pid) / "cwd"))
    except OSError:
        return None


def processes_running(program: str, directory: Path) -> list[int]:
    """Pids of live `program` processes whose working directory is `directory` (Linux only)."""
    if not _PROC.is_dir():
        return []
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if (
            executable_name(pid) == program
            and working_directory(pid) == directory
            and pid_alive(pid)
        ):
            found.append(pid)
    return sorted(found)


def wait_until_gone(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` seconds for `pid` to exit, reaping it if it is our child."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(ChildProcessError):  # not our child: its parent reaps it
            os.waitpid(pid, os.WNOHANG)
        if not pid_alive(pid):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def stop_process(pid: int, sig: signal.Signals, timeout: float) -> None:
    """Send `sig` to `pid` and wait for it to exit; SIGKILL it if it has not after `timeout`."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    if not wait_until_gone(pid, timeout):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        wait_until_gone(pid, 5.0)
