"""Worker processes that end with the process that started them.

A run killed by SIGKILL runs no code, so it cannot stop its loky workers: each
worker must notice by itself that its owner is gone. Two moments need it:

* from its first task (or the pool's initializer) on, :func:`exit_with` watches
  the owner: on Linux the kernel sends the worker SIGKILL when its parent dies
  (``PR_SET_PDEATHSIG``), elsewhere a daemon thread polls the parent;
* before that, while the worker is still starting (importing this package), the
  owner can already be dead: :func:`exit_with_owner_from_environment`, run when
  :mod:`sklearn_jam` is imported, reads the owner's pid from
  :data:`OWNER_ENV` (set by the command line before it starts workers and
  inherited by them) and exits at once if the owner is gone, or watches it.
  It runs when this module is imported, which :mod:`sklearn_jam` does first.

Only processes started from the owner's environment see :data:`OWNER_ENV`;
this module imports nothing but the standard library, so that it runs before the
package's heavy imports.
"""

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["OWNER_ENV", "exit_with", "exit_with_owner_from_environment"]

#: Environment variable holding the pid of the process whose workers must not outlive it.
OWNER_ENV = "SKLEARN_JAM_OWNER_PID"

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_POLL_S = 0.5
_WATCHED = []


def exit_with(owner):
    """In a worker process that ``owner`` started, exit as soon as ``owner`` is gone.

    Parameters
    ----------
    owner : int
        Pid of the process that started this one. A parent that dies hands its
        children to another process, so a parent pid other than ``owner`` means
        this is not its worker (the owner itself, threads, a dask worker): then
        nothing is watched.
    """
    if _WATCHED or os.getpid() == owner or os.getppid() != owner:
        return
    _WATCHED.append(owner)
    _die_with_parent()
    # The parent may have died before the kernel was told to watch it.
    if os.getppid() != owner:
        os._exit(1)

    def watch():
        while os.getppid() == owner:
            time.sleep(_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="sklearn-jam-exit-with-owner", daemon=True).start()


def exit_with_owner_from_environment():
    """Watch the owner named by :data:`OWNER_ENV`, or exit if it is already gone.

    A worker of a killed run may be still starting, before it has run any task,
    when its owner dies: it then finds a parent other than its owner and the
    owner no longer running, and exits. A process the owner's workers started in
    turn (the owner alive, another parent) is left alone.
    """
    try:
        owner = int(os.environ[OWNER_ENV])
    except (KeyError, ValueError):
        return
    if os.getpid() == owner:
        return
    if os.getppid() == owner:
        exit_with(owner)
    elif not _running(owner):
        os._exit(1)


def _die_with_parent():
    """Ask the Linux kernel to SIGKILL this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the watching thread remains
        pass


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds the pid
        return True
    return True


exit_with_owner_from_environment()
