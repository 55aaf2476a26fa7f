"""Upload a 1 GB file through tus to the app on local storage; report the server's peak memory
growth and its throughput as a ratio to copying the same file on the same disk.

    .venv/bin/python benchmarks/upload.py [--size-mb 1024] [--chunk-mb 32] [--work-dir DIR]
                                          [--client sendfile|tuspy]

The client is a small tus 1.0 client here that sends each chunk with sendfile (default) or tuspy.

Targets (issue 3): memory growth < 64 MB, throughput ratio >= 0.5. Not part of the test suite.

The server runs in its own process (this script with `--serve`): werkzeug's threaded server (no
gunicorn here), SQLite, local storage, all under the work folder, which must be on the disk being
measured. The file is random bytes, so the video pipeline must not run: the server's job queue is
a SQLite queue that no worker consumes (JOBS_IMMEDIATE off), which is plain configuration.
Memory is read from /proc/<pid>/status: VmHWM (peak RSS) after the upload against VmRSS after a
warm-up upload, with the peak reset in between (`5` > /proc/<pid>/clear_refs) where allowed.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024
EMAIL = "bench.teacher@example.org"
PASSWORD = "benchmark-password-2026"
USER_AGENT = "psa-contest-benchmark"


# --- the server process ---------------------------------------------------------------------------


def serve(work, runs):
    """Build the app in `work`, seed a teacher and entries, print them, then serve for ever."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from config import Config
    from contest import create_app
    from contest.auth import accounts
    from contest.contests.editing import ContestDraft, create_contest
    from contest.core.extensions import db
    from contest.core.models.accounts import RoleGrant
    from contest.core.models.entries import Entry, School

    app = create_app(
        Config,
        INSTANCE_DIR=work / "instance",
        SECRET_KEY="benchmark-secret-key-0123456789abcdef0123456789",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{work / 'bench.sqlite3'}",
        STORAGE_URL=(work / "instance" / "media").as_uri(),
        JOBS_IMMEDIATE=False,  # queued in SQLite, never consumed: no pipeline on random bytes
        JOBS_SQLITE_PATH=str(work / "jobs.sqlite3"),
        UPLOAD_CHUNK_MAX_BYTES=64 * MIB,
    )
    with app.app_context():
        upgrade()
        now = datetime.now(UTC).replace(tzinfo=None)
        contest = create_contest(
            db.session,
            ContestDraft(
                name="Benchmark",
                max_bytes=4096 * MIB,
                phases={
                    "submissions_open_at": now - timedelta(days=1),
                    "submissions_close_at": now + timedelta(days=1),
                },
            ),
        )
        school = School(name="Benchmark School", district="Bench")
        db.session.add(school)
        db.session.flush()
        teacher = accounts.create_user(db.session, EMAIL, password=PASSWORD, name="Bench")
        teacher.grants.append(RoleGrant(role="teacher", school_id=school.id))
        entries = [
            Entry(category_id=contest.categories[0].id, school_id=school.id, title=f"Run {n}")
            for n in range(runs + 1)
        ]
        db.session.add_all(entries)
        db.session.commit()
        entry_ids = [entry.id for entry in entries]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(json.dumps({"port": server.server_port, "entries": entry_ids}), flush=True)
    server.serve_forever()


# --- measuring ------------------------------------------------------------------------------------


def status_kb(pid, field):
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def reset_peak(pid):
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def make_file(path, size):
    """`size` random bytes at `path`; their sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as file:
        left = size
        while left:
            block = os.urandom(min(16 * MIB, left))
            file.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def sign_in(base):
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    page = session.get(f"{base}/auth/login", timeout=30).text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{base}/auth/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, f"sign-in failed: {answer.status_code}"
    return {"Cookie": f"session={session.cookies['session']}", "User-Agent": USER_AGENT}


def upload(base, headers, path, entry_id, chunk):
    """tus-upload `path` for `entry_id`; seconds taken."""
    from tusclient.client import TusClient

    client = TusClient(f"{base}/uploads/files", headers=headers)
    started = time.perf_counter()
    uploader = client.uploader(
        file_path=str(path),
        chunk_size=chunk,
        metadata={"entry_id": str(entry_id), "filename": path.name, "filetype": "video/mp4"},
    )
    uploader.upload()
    return time.perf_counter() - started


def upload_with_sendfile(base, headers, path, entry_id, chunk):
    """tus-upload `path` for `entry_id` with a small tus 1.0 client on http.client: POST
    (creation), then one PATCH per chunk whose body the kernel sends from the file
    (`socket.sendfile`), each answer's Upload-Offset checked; after a failed PATCH it asks
    HEAD where the upload stands and goes on from there. Seconds taken."""
    import base64
    import http.client
    from urllib.parse import urljoin, urlsplit

    def connect():
        parts = urlsplit(base)
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def request(method, url, extra, body_from=None):
        connection = connect()
        try:
            connection.putrequest(method, urlsplit(url).path, skip_accept_encoding=True)
            for name, value in {**headers, "Tus-Resumable": "1.0.0", **extra}.items():
                connection.putheader(name, value)
            connection.endheaders()
            if body_from is not None:
                file, offset, count = body_from
                connection.sock.sendfile(file, offset, count)
            answer = connection.getresponse()
            answer.read()
            return answer
        finally:
            connection.close()

    size = path.stat().st_size
    metadata = {"entry_id": str(entry_id), "filename": path.name, "filetype": "video/mp4"}
    encoded = ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
    )
    started = time.perf_counter()
    created = request(
        "POST",
        f"{base}/uploads/files",
        {"Upload-Length": str(size), "Upload-Metadata": encoded, "Content-Length": "0"},
    )
    assert created.status == 201, f"creation failed: {created.status}"
    url = urljoin(f"{base}/uploads/files", created.headers["Location"])
    offset, failures = 0, 0
    with path.open("rb") as file:
        while offset < size:
            count = min(chunk, size - offset)
            extra = {
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(count),
            }
            try:
                answer = request("PATCH", url, extra, body_from=(file, offset, count))
                assert answer.status == 204, f"PATCH failed: {answer.status}"
                assert int(answer.headers["Upload-Offset"]) == offset + count, "offset mismatch"
                offset += count
            except (OSError, AssertionError, http.client.HTTPException):
                failures += 1
                if failures > 3:
                    raise
                offset = int(request("HEAD", url, {}).headers["Upload-Offset"])
    return time.perf_counter() - started


CLIENTS = {"sendfile": upload_with_sendfile, "tuspy": upload}


def stored_asset(work, entry_id):
    """(key, size) of the entry's uploaded original, read from the SQLite database."""
    import sqlite3

    connection = sqlite3.connect(work / "bench.sqlite3")
    try:
        return connection.execute(
            "SELECT a.key, a.size_bytes FROM assets a "
            "JOIN entries e ON e.pending_video_asset_id = a.id WHERE e.id = ?",
            (entry_id,),
        ).fetchone()
    finally:
        connection.close()


def check_and_remove_stored(work, entry_id, size, expected_sha256):
    """The entry's stored upload has the source's size and bytes; then delete it."""
    key, stored_size = stored_asset(work, entry_id)
    stored_file = work / "instance" / "media" / key
    assert stored_size == size == stored_file.stat().st_size, "stored size differs"
    assert file_sha256(stored_file) == expected_sha256, "stored bytes differ"
    stored_file.unlink()


def file_sha256(path):
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(16 * MIB):
            digest.update(block)
    return digest.hexdigest()


def same_start(work, size):
    """Write `size` bytes to a scratch file, fsync it, delete it: every timed step starts after
    this, with nothing waiting to be written and page-cache memory recently freed. On a virtual
    machine, memory the guest has not used lately costs a fault to the host per page on first
    touch (measured here: 1 GB written into fresh memory took 3-4 s instead of under 1 s), which
    would otherwise fall on whichever step happens to come first."""
    scratch = work / "scratch.bin"
    block = bytes(16 * MIB)
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(size // len(block) + 1):
            os.write(descriptor, block)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    scratch.unlink()
    os.sync()


def timed_copy(source, target, durable):
    """Seconds shutil.copyfile takes, the copy then fsynced when `durable` (as the server fsyncs
    a finished upload); without, the copy may still be in the page cache when the clock stops."""
    started = time.perf_counter()
    shutil.copyfile(source, target)
    if durable:
        descriptor = os.open(target, os.O_RDONLY)
        os.fsync(descriptor)
        os.close(descriptor)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def timed_python_copy(source, target):
    """Seconds a plain Python loop takes to copy `source` in 1 MiB reads and writes, fsynced:
    the work any receiver in user space does, without HTTP."""
    buffer = bytearray(MIB)
    view = memoryview(buffer)
    started = time.perf_counter()
    with source.open("rb", buffering=0) as reader, target.open("wb", buffering=0) as writer:
        while count := reader.readinto(buffer):
            writer.write(view[:count])
        os.fsync(writer.fileno())
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--chunk-mb", type=int, default=32, help="tus chunk size in MiB")
    parser.add_argument("--runs", type=int, default=3, help="uploads (and copies) to time")
    parser.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="sendfile",
        help="tus client: a small http.client one sending with sendfile (default), or tuspy",
    )
    parser.add_argument("--work-dir", help="a folder on the disk to measure (default: temp)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        return serve(Path(arguments.serve), arguments.runs)

    work = Path(tempfile.mkdtemp(prefix="psa-bench-", dir=arguments.work_dir))
    size = arguments.size_mb * MIB
    print(f"work folder: {work}")
    source = work / "source.bin"
    warmup = work / "warmup.bin"
    expected = make_file(source, size)
    make_file(warmup, 8 * MIB)
    os.sync()  # the test file's own writing must not slow the upload down

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(work), "--runs", str(arguments.runs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        ready = json.loads(server.stdout.readline())
        base = f"http://127.0.0.1:{ready['port']}"
        warm_entry, *entries = ready["entries"]
        headers = sign_in(base)
        send = CLIENTS[arguments.client]
        send(base, headers, warmup, warm_entry, arguments.chunk_mb * MIB)  # imports, caches

        baseline = status_kb(server.pid, "VmRSS")
        peak_reset = reset_peak(server.pid)
        # Uploads and copies take turns, each upload compared with the copy made just after it:
        # disk speed drifts on a shared machine. Each run's output is checked, then deleted like
        # each copy, so neither side pays for memory the other has never had to touch.
        uploads, copies, cached_copies, loops, peaks = [], [], [], [], []
        for entry in entries:
            same_start(work, size)
            uploads.append(send(base, headers, source, entry, arguments.chunk_mb * MIB))
            peaks.append(status_kb(server.pid, "VmHWM"))
            check_and_remove_stored(work, entry, size, expected)
            same_start(work, size)
            copies.append(timed_copy(source, work / "copy.bin", durable=True))
            same_start(work, size)
            cached_copies.append(timed_copy(source, work / "copy.bin", durable=False))
            same_start(work, size)
            loops.append(timed_python_copy(source, work / "copy.bin"))
        after = status_kb(server.pid, "VmRSS")
    finally:
        server.terminate()
        server.wait(timeout=30)

    mib = size / MIB
    growth_mb = (max(peaks) - baseline) / 1024
    ratios = [copy / seconds for seconds, copy in zip(uploads, copies, strict=True)]
    ratio = median(ratios)
    report = {
        "file_mib": arguments.size_mb,
        "chunk_mib": arguments.chunk_mb,
        "client": arguments.client,
        "cpus": os.cpu_count(),
        "server_rss_before_mb": round(baseline / 1024, 1),
        "server_peak_mb": round(max(peaks) / 1024, 1),
        "server_rss_after_mb": round(after / 1024, 1),
        "peak_reset": peak_reset,
        "memory_growth_mb": round(growth_mb, 1),
        "tus_mib_per_s": [round(mib / seconds) for seconds in uploads],
        "copy_fsynced_mib_per_s": [round(mib / seconds) for seconds in copies],
        "throughput_ratios": [round(each, 2) for each in ratios],
        "throughput_ratio_median": round(ratio, 2),
        "copy_page_cache_only_mib_per_s": [round(mib / seconds) for seconds in cached_copies],
        "ratio_to_page_cache_copy_median": round(
            median([copy / seconds for seconds, copy in zip(uploads, cached_copies, strict=True)]),
            2,
        ),
        "python_copy_loop_fsynced_mib_per_s": [round(mib / seconds) for seconds in loops],
        "ratio_to_python_copy_loop_median": round(
            median([loop / seconds for seconds, loop in zip(uploads, loops, strict=True)]), 2
        ),
        "stored_bytes_identical": True,
    }
    print(json.dumps(report, indent=2))
    print(
        f"memory growth {growth_mb:.1f} MB (target < 64): {'ok' if growth_mb < 64 else 'MISSED'}; "
        f"throughput ratio {ratio:.2f} (target >= 0.5): {'ok' if ratio >= 0.5 else 'MISSED'}"
    )
    shutil.rmtree(work)
    return 0 if growth_mb < 64 and ratio >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
