"""People's Choice pages: the entries, the email form, the code, the receipt. Thin: the rules
are in contest/voting/casting.py."""

import secrets
import time

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RateLimitExceeded
from sqlalchemy import select

from contest.core import rules
from contest.core.errors import ValidationError, describe
from contest.core.extensions import db, limiter
from contest.core.mail import send_now
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.voting import Vote, VoteCode
from contest.core.rules import current_contest
from contest.core.transaction import unit_of_work
from contest.submissions.entries import public_credit
from contest.voting import bp, casting, identity, tally
from contest.voting.counting import contest_ballots, voter_key
from contest.voting.forms import CodeForm, ConfirmLinkForm, EmailForm
from contest.web.caching import cached, cached_page
from contest.web.clocks import current_clock
from contest.web.forms import flash_error, on_form
from contest.web.pagination import CARDS_PER_PAGE, Page, requested_page

# Session keys: the visitor's shuffle seed, the code they are confirming, their receipt.
SEED, CODE, RECEIPT, ALREADY = "vote_seed", "vote_code_id", "vote_receipt", "vote_already"
MAIL_FAILED = (
    "We could not send the email just now, so no code went out. Check the address and try "
    "again in a few minutes."
)


def _config(name):
    return lambda: current_app.config[name]


def _note_breach(request_limit):
    """Keep when the breached limit resets, for the 429 page."""
    g.vote_retry_at = max(request_limit.reset_at, getattr(g, "vote_retry_at", 0))


def _normalised_email():
    try:
        return identity.normalise_email(request.form.get("email"))
    except ValidationError:
        return None


def _email_key():
    return "email:" + identity.email_hash(voter_key(), _normalised_email())


def _code_sent(response):
    """Only requests that sent a code count toward the code-request limits."""
    return response.status_code == 302


def _code_being_confirmed():
    """The VoteCode this request confirms: the mailed link's, else the one in the session.
    Looked up once a request: the rate limits' key functions and the view all ask."""
    if "vote_code" not in g:
        token = (request.view_args or {}).get("token")
        if token:
            link_hash = identity.keyed_hash(voter_key(), "link", token)
            g.vote_code = db.session.scalar(select(VoteCode).where(VoteCode.link_hash == link_hash))
        else:
            code_id = session.get(CODE)
            g.vote_code = db.session.get(VoteCode, code_id) if isinstance(code_id, int) else None
    return g.vote_code


def _voter_key_for_attempt():
    return f"voter:{_code_being_confirmed().voter_id}"


def _no_code():
    return _code_being_confirmed() is None


limit_code_requests = [
    limiter.limit(
        _config("VOTE_CODE_REQUESTS_PER_IP"),
        methods=["POST"],
        deduct_when=_code_sent,
        on_breach=_note_breach,
    ),
    limiter.limit(
        _config("VOTE_CODE_REQUESTS_PER_EMAIL"),
        key_func=_email_key,
        methods=["POST"],
        exempt_when=lambda: _normalised_email() is None,
        deduct_when=_code_sent,
        on_breach=_note_breach,
    ),
]
limit_attempts = [
    limiter.limit(_config("VOTE_ATTEMPTS_PER_IP"), methods=["POST"], on_breach=_note_breach),
    limiter.limit(
        _config("VOTE_ATTEMPTS_PER_CODE"),
        key_func=_voter_key_for_attempt,
        methods=["POST"],
        exempt_when=_no_code,
        on_breach=_note_breach,
    ),
]


def limited(limits):
    def decorate(view):
        for limit in reversed(limits):
            view = limit(view)
        return view

    return decorate


@bp.errorhandler(RateLimitExceeded)
def too_many_requests(error):
    retry_at = getattr(g, "vote_retry_at", 0) or int(time.time()) + 60
    seconds = max(1, retry_at - int(time.time()))
    minutes = -(-seconds // 60)
    response = current_app.make_response(
        (render_template("voting/too_many.html", minutes=minutes), 429)
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def _contest():
    contest = current_contest()
    if contest is None:
        abort(404, "There is no contest to vote in yet.")
    return contest


@bp.route("/")
def index():
    clock = current_clock()  # no database query while the page is cached
    if clock is None:
        return render_template("voting/index.html", contest=None)
    state = rules.voting(clock)

    def contest():  # the row itself, read only when the page is rendered
        return db.session.get(Contest, clock.id)

    if state != "open":
        return render_template("voting/index.html", contest=contest(), state=state)
    order = casting.gallery_order(session.setdefault(SEED, secrets.randbits(32)))
    blind = rules.judging_blind(clock)  # part of every cache key: it changes with the time

    def categories():  # the gallery's entries, from the database once per version
        return cached(
            clock.id,
            f"voting-entries:{blind}",
            lambda: casting.gallery(db.session, contest(), blind),
        )

    total = cached(clock.id, "voting-entry-count", lambda: casting.gallery_size(categories()))
    number = min(requested_page(request.args), Page([], 1, CARDS_PER_PAGE, total).pages)

    def render():
        row = contest()
        page, shown = casting.gallery_page(categories(), order, number, CARDS_PER_PAGE)
        counts = None
        if row.show_live_tally:  # else hidden until the results are out
            counts = tally.count(contest_ballots(db.session, row)).counts
        return render_template(
            "voting/index.html",
            contest=row,
            state=state,
            page=page,
            categories=shown,
            counts=counts,
        )

    # Rendered once per visitor order and page for each version of the contest's public data:
    # a rush of visitors costs no entry query and no rendering.
    return cached_page(clock.id, f"voting:{order}:{number}:{blind}", render)


@bp.route("/entry/<int:entry_id>", methods=["GET", "POST"])
@limited(limit_code_requests)
def entry(entry_id):
    contest = _contest()
    try:
        entry = casting.eligible_entry(db.session, contest, entry_id)
    except casting.EntryNotFound as error:
        abort(404, error.message)
    form = EmailForm()
    if form.validate_on_submit():
        config = current_app.config
        with unit_of_work(db.session, show=on_form(form)) as work:
            issued = casting.request_code(
                db.session,
                contest,
                entry.id,
                form.email.data,
                key=voter_key(),
                blocked_domains=identity.disposable_domains(config["DISPOSABLE_DOMAINS_FILE"]),
                ip=request.remote_addr,
                lifetime_seconds=config["VOTE_CODE_LIFETIME_SECONDS"],
            )
        if work.done:
            if _mail_code(form.email.data.strip(), issued, contest):
                session[CODE] = issued.code_id
                return redirect(url_for(".code"))
            flash(MAIL_FAILED, "error")  # not a redirect, so no code request is counted
    state = rules.voting(contest)
    blind = rules.judging_blind(contest)
    return render_template(
        "voting/entry.html",
        contest=contest,
        entry=entry,
        credit="" if blind else public_credit(entry),
        blind=blind,
        form=form,
        state=state,
    )


def _mail_code(address, issued, contest):
    """Send the code and link; True if the mail went."""
    minutes = current_app.config["VOTE_CODE_LIFETIME_SECONDS"] // 60
    body = render_template(
        "mail/vote_code.txt",
        code=issued.code,
        link=url_for(".confirm", token=issued.link_token, _external=True),
        entry=issued.entry,
        contest=contest,
        minutes=minutes,
    )
    return send_now(address, f"Your People's Choice code: {issued.code}", body)


def _receipt_page(receipt):
    session.pop(CODE, None)
    session[RECEIPT] = receipt.receipt
    session[ALREADY] = receipt.already_voted
    return redirect(url_for(".receipt"))


@bp.route("/code", methods=["GET", "POST"])
@limited(limit_attempts)
def code():
    vote_code = _code_being_confirmed()
    form = CodeForm()
    if vote_code is not None and form.validate_on_submit():
        # A wrong code's attempt is kept with its refusal: the code dies after too many.
        with unit_of_work(db.session, show=on_form(form), keep=(ValidationError,)) as work:
            receipt = casting.confirm_code(
                db.session,
                vote_code.id,
                form.code.data,
                key=voter_key(),
                max_attempts=current_app.config["VOTE_CODE_MAX_ATTEMPTS"],
                ip=request.remote_addr,
            )
        if work.done:
            return _receipt_page(receipt)
    entry = db.session.get(Entry, vote_code.entry_id) if vote_code else None
    return render_template("voting/code.html", form=form, vote_code=vote_code, entry=entry)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limited(limit_attempts)
def confirm(token):
    vote_code = _code_being_confirmed()
    if vote_code is None:
        abort(404, describe(casting.UNKNOWN_LINK))
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        with unit_of_work(db.session, show=flash_error) as work:
            receipt = casting.confirm_link(
                db.session,
                token,
                key=voter_key(),
                max_attempts=current_app.config["VOTE_CODE_MAX_ATTEMPTS"],
                ip=request.remote_addr,
            )
        if work.done:
            return _receipt_page(receipt)
    entry = db.session.get(Entry, vote_code.entry_id)
    return render_template("voting/confirm.html", form=form, entry=entry)


@bp.route("/receipt")
def receipt():
    vote = None
    if session.get(RECEIPT):
        vote = db.session.scalar(select(Vote).where(Vote.receipt == session[RECEIPT]))
    entry = db.session.get(Entry, vote.entry_id) if vote else None
    return render_template(
        "voting/receipt.html", vote=vote, entry=entry, already_voted=session.get(ALREADY)
    )
