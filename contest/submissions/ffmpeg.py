"""The ffmpeg binary of the imageio-ffmpeg wheel, run as a bounded subprocess: at most so much
writable memory, killed with its process group at a time limit, its errors' tail kept for the
log, and why it failed (time, memory, an error) told apart for the teacher's message."""

import contextlib
import functools
import logging
import os
import resource
import signal
import subprocess
import threading
from functools import cache

log = logging.getLogger(__name__)

STDERR_TAIL_BYTES = 16 * 1024


@cache
def ffmpeg_exe():
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


class FfmpegFailed(RuntimeError):
    """ffmpeg did not finish: `reason` is "time" (killed at its time limit), "memory" (it
    reached its memory limit) or "error" (it exited with an error)."""

    def __init__(self, message, reason="error"):
        super().__init__(message)
        self.reason = reason


_CRASHES = (-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT)
# How ffmpeg and its libraries say an allocation failed (ENOMEM; libx264's own words).
_OUT_OF_MEMORY = (b"Cannot allocate memory", b"malloc of size", b"ut of memory")


def run_ffmpeg(arguments, timeout, what, memory_mb=None):
    """Run the ffmpeg binary with at most `memory_mb` of writable memory, killing it (and its
    process group) after `timeout` seconds; FfmpegFailed, its stderr tail logged, if it fails.

    The limit is RLIMIT_DATA, not RLIMIT_AS: the address space counts glibc's per-thread heap
    reservations and the 172 MB binary, never used (1.25 GB for a 4K HEVC video that writes
    0.63 GB). It is set between fork and exec by one call of a C function (no import, no lock,
    no logging), which is safe in a threaded worker.
    """
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *arguments]
    limit = None
    if memory_mb is not None:
        size = memory_mb * 1024 * 1024
        limit = functools.partial(resource.setrlimit, resource.RLIMIT_DATA, (size, size))
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
        start_new_session=True,  # its own process group, killed whole at the time limit
    )
    killed = threading.Event()
    timer = threading.Timer(timeout, _kill_group, (process.pid, killed))
    timer.start()
    try:
        tail = _read_tail(process.stderr)
        _, status = os.waitpid(process.pid, 0)
    except BaseException:
        _kill_group(process.pid, killed)
        process.wait()
        raise
    finally:
        timer.cancel()
        process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if killed.is_set() and process.returncode == -signal.SIGKILL:
        log.warning("ffmpeg (%s) killed at its %ss time limit: %s", what, timeout, _tail(tail))
        raise FfmpegFailed(f"ffmpeg ({what}) ran out of time", reason="time")
    if process.returncode != 0:
        # An allocation the limit refuses surfaces as ENOMEM in ffmpeg's errors, or as a crash.
        # (The child's peak RSS can't tell: it counts the worker's own pages up to the exec.)
        out_of_memory = memory_mb is not None and (
            any(sign in tail for sign in _OUT_OF_MEMORY) or process.returncode in _CRASHES
        )
        reason = "memory" if out_of_memory else "error"
        log.warning(
            "ffmpeg (%s) failed with exit code %s (%s): %s",
            what,
            process.returncode,
            reason,
            _tail(tail),
        )
        raise FfmpegFailed(f"ffmpeg ({what}) exited with {process.returncode}", reason=reason)


def _kill_group(pid, killed):
    killed.set()
    with contextlib.suppress(ProcessLookupError):  # it had just finished
        os.killpg(pid, signal.SIGKILL)


def _read_tail(stream):
    """Read `stream` to its end, keeping only the last STDERR_TAIL_BYTES."""
    tail = b""
    while chunk := stream.read(64 * 1024):
        tail = (tail + chunk)[-STDERR_TAIL_BYTES:]
    return tail


def _tail(stderr, lines=15):
    text = (stderr or b"").decode("utf-8", "replace").strip()
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"
