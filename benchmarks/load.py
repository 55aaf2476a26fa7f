"""Benchmark: the public pages under a viral rush (issue 9).

gunicorn with deploy/gunicorn.conf.py and 2 sync workers, on PostgreSQL (database bench_load,
created afresh for each size) with Redis for the cache and the rate limits, serving a contest
whose People's Choice vote is open with 60 entries, then one with 2,000. wrk drives 50
connections for 20 s at each of: /ping (the ceiling: no database, no session), the voting gallery
(/vote/, a new visitor each request), a published contest's winners page, and vote confirmations
(POST of the mailed link, each with its own pre-issued code). Every figure is also given as a
ratio to /ping measured in the same run.

    .venv/bin/python benchmarks/load.py                      # 60 and 2,000 entries
    .venv/bin/python benchmarks/load.py --sizes 60 --duration 10

Setup is its own: wrk is installed with apt-get when missing, PostgreSQL and Redis are started
by scripts/ensure-postgres and scripts/ensure-redis.
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DATABASE = "bench_load"
REDIS_URL = "redis://127.0.0.1:6379/0"
PORT = 8765
WORKERS = 2
# The public winners page; should its route change, change it here.
WINNERS_PATH = "/contests/{slug}/winners"
TARGETS = {"gallery": 0.5, "winners": 0.5, "confirm": 0.3}
P99_LIMIT_MS = 250

# wrk's script: a JSON line of figures at the end; for confirmations, each request POSTs the next
# pre-issued link token (each wrk thread takes every n-th, so no two send the same).
WRK_SCRIPT = r"""
local tokens, counter, step = {}, 0, 1
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  if args[1] then
    for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
    cookie, csrf, step = args[2], args[3], tonumber(args[4])
    counter = id + tonumber(args[5])
  end
end
function request()
  if #tokens == 0 then return wrk.request() end
  local token = tokens[(counter % #tokens) + 1]
  counter = counter + step
  return wrk.format("POST", "/vote/confirm/" .. token, {
    ["Cookie"] = "session=" .. cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "csrf_token=" .. csrf)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def ensure_tools():
    if shutil.which("wrk") is None:
        print("wrk is missing: installing it with apt-get", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for _ in range(3):  # another process may hold the dpkg lock for a moment
            if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env).returncode == 0:
                break
            time.sleep(5)
        else:
            sys.exit("could not install wrk")
    subprocess.run([ROOT / "scripts" / "ensure-postgres"], check=True)
    subprocess.run([ROOT / "scripts" / "ensure-redis"], check=True)


def fresh_database():
    import psycopg

    with psycopg.connect(
        POSTGRES.replace("+psycopg", "") + "postgres", autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return POSTGRES + DATABASE


def server_environment(database_url, work, size):
    """The gunicorn processes' environment; the seeding uses the same key, database and Redis."""
    return {
        **os.environ,
        "CONTEST_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        # A fresh namespace in Redis for the cache each run (ids restart in a fresh database).
        "JOBS_QUEUE_NAME": f"psa-bench-{size}-{os.getpid()}",
        "INSTANCE_PATH": str(work / "instance"),
        "MAIL_URL": "outbox",
        "SESSION_COOKIE_SECURE": "false",
        # One client address sends everything here: the per-address limits would stop it.
        "VOTE_ATTEMPTS_PER_IP": "100000000 per hour",
        "VOTE_CODE_REQUESTS_PER_IP": "100000000 per hour",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_ACCESS_LOG": str(work / "access.log"),
        "PROXY_HOPS": "0",
    }


def seed(environment, size, codes):
    """A published contest (older, with winners) and an open vote with `size` entries; `codes`
    vote codes issued through the service. Returns the paths to load and the confirmation's
    link tokens, session cookie and CSRF token."""
    from datetime import timedelta

    from flask import session
    from flask_migrate import upgrade
    from flask_wtf.csrf import generate_csrf

    from config import ProductionConfig
    from contest import create_app
    from contest.contests.editing import ContestDraft, create_contest
    from contest.core.dbtypes import utcnow
    from contest.core.extensions import db
    from contest.core.models.assets import Asset
    from contest.core.models.entries import Entry, School
    from contest.core.models.results import Result
    from contest.voting import casting
    from contest.voting.counting import voter_key

    app = create_app(
        ProductionConfig,
        SECRET_KEY=environment["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=environment["DATABASE_URL"],
        REDIS_URL=environment["REDIS_URL"],
        RATELIMIT_STORAGE_URI=environment["REDIS_URL"],
        JOBS_QUEUE_NAME=environment["JOBS_QUEUE_NAME"],
        INSTANCE_DIR=environment["INSTANCE_PATH"],
    )
    with app.app_context():
        upgrade()
        school = School(name="Bench High School", district="Bench District")
        db.session.add(school)
        published = create_contest(db.session, ContestDraft(name="Last Year's Contest"))
        db.session.flush()
        voting = create_contest(db.session, ContestDraft(name="This Year's Contest"))
        db.session.flush()
        now = utcnow()
        voting.created_at = now  # the newest: the one /vote/ shows
        published.created_at = now - timedelta(days=365)
        voting.voting_open_at, voting.voting_close_at = (
            now - timedelta(hours=1),
            now + timedelta(days=7),
        )

        def entries(contest, count):
            rows = []
            for number in range(count):
                video, poster = (
                    Asset(backend="local", key=f"bench/{contest.id}/{number}.{kind}",
                          content_type=type_, size_bytes=1000, sha256="0" * 64)
                    for kind, type_ in (("mp4", "video/mp4"), ("jpg", "image/jpeg"))
                )  # fmt: skip
                rows.append(
                    Entry(category_id=contest.categories[number % len(contest.categories)].id,
                          school_id=school.id, title=f"Think Before You Post #{number + 1}",
                          credit_line="Filmed by the media club", status="ready",
                          consent_status="approved", video=video, poster=poster)
                )  # fmt: skip
            db.session.add_all(rows)
            db.session.flush()
            return rows

        entries(voting, size)
        categories = len(published.categories)
        winners = entries(published, 3 * categories + 1)  # 3 places a category, People's Choice
        for number, entry in enumerate(winners):
            choice = number == 3 * categories
            db.session.add(
                Result(contest_id=published.id, category_id=None if choice else entry.category_id,
                       award="peoples_choice" if choice else "place",
                       place=None if choice else number // categories + 1,
                       entry_id=entry.id, digest="0" * 64, published_at=now)
            )  # fmt: skip
        published.published_at = now
        db.session.commit()

        key, first = voter_key(), casting.eligible_entries(db.session, voting)[0]
        tokens = []
        for number in range(codes):
            issued = casting.request_code(
                db.session,
                voting,
                first.id,
                f"bench.voter{number}@example.org",
                key=key,
                blocked_domains=frozenset(),
                lifetime_seconds=3 * 3600,
            )
            tokens.append(issued.link_token)
            if number % 1000 == 999:
                db.session.commit()
        db.session.commit()
        slug = published.slug
        with app.test_request_context():
            csrf = generate_csrf()
            cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return {"gallery": "/vote/", "winners": WINNERS_PATH.format(slug=slug)}, tokens, cookie, csrf


def start_server(environment):
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config", str(ROOT / "deploy" / "gunicorn.conf.py"), "contest:create_app()",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/ping", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def check(path, status=200):
    """Fail before measuring if a page does not answer as it should."""
    try:
        answer = urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=10)
    except urllib.error.HTTPError as error:
        answer = error
    if answer.status != status:
        sys.exit(f"{path} answered {answer.status}, not {status}: nothing to measure")


def wrk(work, path, args, duration, connections, threads):
    """One wrk run; its figures (req/s, p50/p99 in ms, errors)."""
    script = work / "bench.lua"
    script.write_text(WRK_SCRIPT)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
        "-s", str(script), f"http://127.0.0.1:{PORT}{path}",
    ]  # fmt: skip
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    errors = sum(raw[name] for name in ("connect", "read", "write", "status", "timeout"))
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50": raw["p50_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "errors": errors,
        "requests": raw["requests"],
    }


def votes_cast(database_url):
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        return connection.execute("SELECT count(*) FROM votes").fetchone()[0]


def run_size(size, options):
    work = Path(tempfile.mkdtemp(prefix=f"bench-load-{size}-"))
    database_url = fresh_database()
    environment = server_environment(database_url, work, size)
    started = time.monotonic()
    paths, tokens, cookie, csrf = seed(environment, size, options.codes)
    print(f"{size} entries: seeded with {len(tokens)} codes in {time.monotonic() - started:.0f} s")
    (work / "tokens.txt").write_text("\n".join(tokens) + "\n")
    server = start_server(environment)
    try:
        for path in paths.values():
            check(path)
        rounds, offset = [], 0
        for number in range(options.rounds):
            figures = {}
            for name, path in (("ping", "/ping"), *paths.items()):
                if number == 0:  # warm the cache and the connections
                    wrk(work, path, [], 2, options.connections, options.threads)
                figures[name] = wrk(
                    work, path, [], options.duration, options.connections, options.threads
                )
            # Each request confirms its own code: a later round starts past the earlier ones'.
            args = [str(work / "tokens.txt"), cookie, csrf, str(options.threads), str(offset)]
            figures["confirm"] = wrk(
                work, "/", args, options.duration, options.connections, options.threads
            )
            offset += figures["confirm"]["requests"] + 500
            if offset > len(tokens):
                sys.exit(f"too few codes for {options.rounds} rounds: give --codes")
            figures["confirm"]["votes"] = votes_cast(database_url)
            print(f"  round {number + 1}: " + ", ".join(
                f"{name} {row['rps']:.0f} req/s" for name, row in figures.items()
            ), flush=True)  # fmt: skip
            rounds.append(figures)
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    return rounds


def ratios(figures):
    ceiling = figures["ping"]["rps"]
    return {name: row["rps"] / ceiling for name, row in figures.items()}


def report(results):
    """Each round's figures, then per size the median over the rounds, against the targets."""
    print()
    print("| entries | round | page | req/s | ratio to /ping | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for size, rounds in results.items():
        for number, figures in enumerate(rounds, start=1):
            ratio = ratios(figures)
            for name, row in figures.items():
                print(
                    f"| {size} | {number} | {name} | {row['rps']:.0f} | {ratio[name]:.2f} | "
                    f"{row['p50']:.1f} | {row['p99']:.1f} | {row['errors']} |"
                )
    print()
    print("| entries | page | median ratio | median p99 ms | errors | target |")
    print("|---|---|---|---|---|---|")
    for size, rounds in results.items():
        for name, target in TARGETS.items():
            ratio = statistics.median(ratios(figures)[name] for figures in rounds)
            p99 = statistics.median(figures[name]["p99"] for figures in rounds)
            errors = sum(figures[name]["errors"] for figures in rounds)
            met = ratio >= target and p99 < P99_LIMIT_MS and errors == 0
            print(
                f"| {size} | {name} | {ratio:.2f} | {p99:.1f} | {errors} | "
                f">= {target}: {'met' if met else 'MISSED'} |"
            )
    for size, rounds in results.items():
        requests = sum(figures["confirm"]["requests"] for figures in rounds)
        print(
            f"{size} entries: {requests} confirmations cast {rounds[-1]['confirm']['votes']} votes"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 2000])
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every page (median)")
    parser.add_argument("--codes", type=int, default=12000, help="vote codes issued per size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    ensure_tools()
    results = {size: run_size(size, options) for size in options.sizes}
    report(results)
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
