"""Certificates: the PDFs read back with pypdf, what gets certified, and the organizer's routes
(nothing before publication or after un-publishing)."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.results import certificates
from contest.results.certificates import Certificate
from contest.submissions.entries import public_credit
from tests import factories
from tests.helpers import page_text
from tests.test_security import inline_code

A4_LANDSCAPE = (841.89, 595.28)  # points
UNICODE_TITLE = "Ünïcödé — 安全 ✓"
# DejaVu Sans has the accents, the dash and the tick; not the two CJK characters.
UNICODE_PRINTED = "Ünïcödé — □□ ✓"
PEOPLES_CHOICE = "People's Choice award chosen by the public vote"


def pdf_pages(data):
    """The text of each page of the PDF `data`."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def one_line(text):
    return " ".join(text.split())


def sample(**changes):
    fields = {
        "contest": "Internet Safety Awards 2026",
        "award": "First place",
        "award_detail": "in Cyberbullying",
        "title": "Think Before You Post",
        "credit": "Maya, Leo and Sam",
        "school": "Lincoln High",
        "date": "25 November 2026",
    }
    return Certificate(**{**fields, **changes})


# --- rendering ---------------------------------------------------------------------------------


def test_a_certificate_holds_contest_award_title_credit_school_and_date():
    data = certificates.render([sample()])
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=0.01)
    text = reader.pages[0].extract_text()
    for part in (
        "Internet Safety Awards 2026", "First place", "in Cyberbullying",
        "“Think Before You Post”", "by Maya, Leo and Sam", "Lincoln High", "25 November 2026",
    ):  # fmt: skip
        assert part in text
    assert reader.metadata.title == "Internet Safety Awards 2026: First place in Cyberbullying"


def test_the_font_is_embedded_as_a_subset():
    reader = PdfReader(io.BytesIO(certificates.render([sample()])))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        # a subset's name carries a six-letter tag: ABCDEF+DejaVuSans...
        tag, name = str(font["/BaseFont"]).lstrip("/").split("+", 1)
        assert len(tag) == 6 and tag.isupper() and name.startswith("DejaVuSans")
        descendant = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # the TrueType program


def test_non_latin_text_prints_what_the_font_covers_and_marks_the_rest():
    assert certificates.missing_glyphs(UNICODE_TITLE) == "安全"
    assert certificates.printable(UNICODE_TITLE) == UNICODE_PRINTED
    certificate = sample(
        title=UNICODE_TITLE, credit="Zoë, Jürgen & Ørjan", school="École Œuvre Ĳssel ✓"
    )
    assert certificate.missing_glyphs == "安全"
    [text] = pdf_pages(certificates.render([certificate]))
    assert f"“{UNICODE_PRINTED}”" in text
    assert "by Zoë, Jürgen & Ørjan" in text
    assert "École Œuvre Ĳssel ✓" in text


def test_decomposed_accents_are_composed_and_joiners_the_font_lacks_dropped():
    # "e" + combining acute prints as "é"; direction isolates the font lacks are dropped.
    assert certificates.printable("Cafe\u0301 \u2066Ali\u2069") == "Café Ali"
    assert certificates.printable("line\nbreak\t tab") == "line break tab"


def test_a_page_per_certificate_and_long_texts_stay_on_their_page():
    long = sample(
        contest="The Very Long Regional Internet Safety Public Service Announcement Awards " * 2,
        title="A" + " very long title" * 12,
        credit=", ".join(["Maya", "Leo", "Sam", "Ava", "Noah", "Zoe"] * 8)[:300],
        school="The Extraordinarily Long Name of a Combined Middle and High School " * 3,
    )
    participation = sample(
        award="Certificate of participation",
        award_detail="for entering 2 public-service announcements in the contest",
        title="",
        credit="",
    )
    data = certificates.render([sample(), long, participation])
    pages = pdf_pages(data)
    assert len(pages) == 3
    assert "very long title very long title" in one_line(pages[1])
    assert "Certificate of participation" in pages[2] and "is presented to" in pages[2]
    assert "public-service announcement\n" not in pages[2]  # no entry on a participation page
    assert "Lincoln High" in pages[2]


# --- what to certify ---------------------------------------------------------------------------


def _entry(**fields):
    return Entry(
        **{"credit_line": "", "full_names_allowed": False, "consent_status": "missing", **fields}
    )


def test_the_credit_line_appears_as_the_consent_allows():
    first_names = _entry(credit_line="Maya, Leo and Sam")
    assert public_credit(first_names) == "Maya, Leo and Sam"
    team = _entry(credit_line="Team Pixel")
    assert public_credit(team) == "Team Pixel"
    full_names = {"credit_line": "Maya Lopez and Leo Chen", "full_names_allowed": True}
    assert public_credit(_entry(**full_names, consent_status="approved")) == (
        "Maya Lopez and Leo Chen"
    )
    # claimed but the forms are not (yet) approved: a minor's full name is not printed
    assert public_credit(_entry(**full_names, consent_status="pending")) == ""
    assert public_credit(_entry(credit_line="Maya Lopez")) == ""


def test_the_publication_date_is_the_day_in_the_contests_time_zone():
    contest = Contest(
        timezone="America/Los_Angeles", published_at=datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    )
    assert certificates.publication_date(contest) == "25 November 2026"
    contest.timezone = "Asia/Tokyo"
    assert certificates.publication_date(contest) == "26 November 2026"


@pytest.mark.parametrize(
    ("award", "place", "category", "wording"),
    [
        ("place", 1, "Cyberbullying", ("First place", "in Cyberbullying")),
        ("place", 3, "Online Predators", ("Third place", "in Online Predators")),
        ("peoples_choice", None, None, ("People's Choice award", "chosen by the public vote")),
        ("honourable_mention", None, "Cyberbullying", ("Honourable mention", "in Cyberbullying")),
    ],
)
def test_award_wording(award, place, category, wording):
    assert certificates.award_wording(award, place, category) == wording


@pytest.fixture
def awarded(app):
    """A published contest: Lincoln's entry won 1st place and People's Choice, Roosevelt's came
    2nd with an honourable mention for another entry; Garfield only took part; Hayes's one entry
    was withdrawn and Polk's hidden, so neither took part."""
    contest = factories.make_contest(app, name="Safety Awards 2026", timezone="Europe/Paris")
    first, second = contest.categories[:2]
    school = {
        name: factories.make_school(app, name=name)
        for name in ("Lincoln High", "Roosevelt Middle", "Garfield Academy", "Hayes", "Polk")
    }
    entry = {
        "winner": factories.make_entry(
            app, first, school["Lincoln High"], title=UNICODE_TITLE, status="ready",
            credit_line="Maya Lopez and Leo Chen", full_names_allowed=True,
            consent_status="approved",
        ),
        "second": factories.make_entry(
            app, first, school["Roosevelt Middle"], title="Pause Before You Share",
            status="ready", credit_line="Team Pixel",
        ),
        "mention": factories.make_entry(
            app, second, school["Roosevelt Middle"], title="Lock It Down", status="ready",
            credit_line="Sam Smith", full_names_allowed=True, consent_status="pending",
        ),
        "plain": factories.make_entry(
            app, first, school["Lincoln High"], title="Also Ran", status="ready"
        ),
        "garfield": factories.make_entry(
            app, second, school["Garfield Academy"], title="Think", status="ready"
        ),
        "withdrawn": factories.make_entry(
            app, first, school["Hayes"], title="Gone", status="withdrawn"
        ),
        "hidden": factories.make_entry(
            app, first, school["Polk"], title="Hidden", status="ready",
            hidden_at=datetime(2026, 5, 1, tzinfo=UTC), hidden_reason="Takedown request.",
        ),
    }  # fmt: skip
    factories.publish_results(
        app,
        contest,
        [
            (entry["winner"], "place", 1),
            (entry["second"], "place", 2),
            (entry["winner"], "peoples_choice", None),
            (entry["mention"], "honourable_mention", None),
        ],
        published_at=datetime(2026, 6, 1, 8, 30, tzinfo=UTC),
    )
    return contest, school, entry


def _files(app, contest, school_id=None):
    with app.app_context():
        return certificates.certificate_files(
            db.session, db.session.get(Contest, contest.id), school_id
        )


def test_certificate_files_cover_every_award_and_every_school_that_took_part(app, awarded):
    contest, school, entry = awarded
    files = _files(app, contest)
    winners = [(f.entry_id, [p.award_line for p in f.pages]) for f in files if f.entry_id]
    assert winners == [
        (entry["winner"].id, ["First place in Cyberbullying", PEOPLES_CHOICE]),
        (entry["second"].id, ["Second place in Cyberbullying"]),
        (entry["mention"].id, [f"Honourable mention in {contest.categories[1].name}"]),
    ]  # fmt: skip
    winner = files[0].pages[0]
    assert (winner.contest, winner.title, winner.school) == (
        "Safety Awards 2026", UNICODE_TITLE, "Lincoln High",
    )  # fmt: skip
    assert winner.credit == "Maya Lopez and Leo Chen"  # full names, consent approved
    assert winner.date == "1 June 2026"
    assert files[1].pages[0].credit == "Team Pixel"
    assert files[2].pages[0].credit == ""  # full names claimed, forms not approved
    assert files[0].missing_glyphs == "安全"
    participation = {f.pages[0].school: f.pages[0].award_detail for f in files if not f.entry_id}
    assert participation == {
        "Garfield Academy": "for entering 1 public-service announcement in the contest",
        "Lincoln High": "for entering 2 public-service announcements in the contest",
        "Roosevelt Middle": "for entering 2 public-service announcements in the contest",
    }
    names = [f.filename for f in files]
    assert len(set(names)) == len(names)
    assert names[0] == f"{contest.slug}-entry-{entry['winner'].id}-Unicode.pdf"


def test_a_schools_files_are_its_own(app, awarded):
    contest, school, entry = awarded
    lincoln = _files(app, contest, school["Lincoln High"].id)
    assert [(f.entry_id, f.school_id) for f in lincoln] == [
        (entry["winner"].id, school["Lincoln High"].id),
        (None, school["Lincoln High"].id),
    ]
    assert _files(app, contest, school["Hayes"].id) == []


def test_nothing_is_certified_while_unpublished(app, awarded):
    contest, *_ = awarded
    with app.app_context():
        db.session.get(Contest, contest.id).published_at = None
        db.session.commit()
    assert _files(app, contest) == []


# --- the organizer's routes --------------------------------------------------------------------


def _pdf(response):
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    return disposition.split("filename=", 1)[1], pdf_pages(response.data)


def test_the_organizer_lists_and_downloads_every_certificate(login_as, awarded):
    contest, school, entry = awarded
    organizer = login_as("organizer")
    response = organizer.get(f"/admin/results/{contest.id}/certificates")
    page = page_text(response)
    assert response.status_code == 200 and inline_code(page) == []
    base = f"/admin/results/{contest.id}/certificates"
    assert f'href="{base}/entries/{entry["winner"].id}.pdf"' in page
    assert f'href="{base}/schools/{school["Garfield Academy"].id}.pdf"' in page
    assert f'href="{base}.zip"' in page
    assert "cannot print 安全" in page
    assert "Gone" not in page and "Hayes" not in page and "Polk" not in page

    name, pages = _pdf(organizer.get(f"{base}/entries/{entry['winner'].id}.pdf"))
    assert name == f"{contest.slug}-entry-{entry['winner'].id}-Unicode.pdf"
    assert len(pages) == 2
    for text in pages:
        for part in ("Safety Awards 2026", f"“{UNICODE_PRINTED}”", "by Maya Lopez and Leo Chen",
                     "Lincoln High", "1 June 2026"):  # fmt: skip
            assert part in text
    assert "First place" in pages[0] and "People's Choice award" in pages[1]

    name, [text] = _pdf(organizer.get(f"{base}/schools/{school['Garfield Academy'].id}.pdf"))
    assert (
        name == f"{contest.slug}-participation-{school['Garfield Academy'].id}-Garfield_Academy.pdf"
    )
    assert "Certificate of participation" in text and "Garfield Academy" in text


def test_the_zip_holds_every_certificate(login_as, awarded):
    contest, *_ = awarded
    response = login_as("organizer").get(f"/admin/results/{contest.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"filename={contest.slug}-certificates.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == 6  # three winning entries, three schools that took part
    texts = {name: pdf_pages(archive.read(name)) for name in names}
    assert sum(len(pages) for pages in texts.values()) == 7  # the winner's two awards
    assert sum("Certificate of participation" in pages[0] for pages in texts.values()) == 3


def test_what_was_not_awarded_is_not_found(login_as, awarded):
    contest, school, entry = awarded
    organizer = login_as("organizer")
    base = f"/admin/results/{contest.id}/certificates"
    assert organizer.get(f"{base}/entries/{entry['plain'].id}.pdf").status_code == 404
    assert organizer.get(f"{base}/schools/{school['Hayes'].id}.pdf").status_code == 404
    assert organizer.get(f"{base}/schools/{school['Polk'].id}.pdf").status_code == 404
    assert organizer.get("/admin/results/0/certificates").status_code == 404


def test_before_publication_the_list_says_so_and_no_pdf_is_served(app, login_as):
    contest = factories.make_contest(app, name="Not Yet")
    school = factories.make_school(app)
    entry = factories.make_entry(app, contest.categories[0], school, status="ready")
    organizer = login_as("organizer")
    base = f"/admin/results/{contest.id}/certificates"
    response = organizer.get(base)
    assert response.status_code == 200
    assert "publish the winners first" in page_text(response)
    assert ".pdf" not in page_text(response)
    for path in (
        f"{base}/entries/{entry.id}.pdf",
        f"{base}/schools/{school.id}.pdf",
        f"{base}.zip",
    ):
        assert organizer.get(path).status_code == 404


def test_after_unpublishing_no_certificate_is_served(app, login_as, awarded):
    contest, school, entry = awarded
    organizer = login_as("organizer")
    base = f"/admin/results/{contest.id}/certificates"
    assert organizer.get(f"{base}/entries/{entry['winner'].id}.pdf").status_code == 200
    with app.app_context():  # the Result rows stay here: the contest's state alone decides
        db.session.get(Contest, contest.id).published_at = None
        db.session.commit()
    for path in (
        f"{base}/entries/{entry['winner'].id}.pdf",
        f"{base}/schools/{school['Lincoln High'].id}.pdf",
        f"{base}.zip",
    ):
        assert organizer.get(path).status_code == 404
    assert "publish the winners first" in page_text(organizer.get(base))


def test_the_results_page_links_the_certificates(login_as, awarded):
    contest, *_ = awarded
    page = page_text(login_as("organizer").get(f"/admin/results/{contest.id}"))
    assert f'href="/admin/results/{contest.id}/certificates"' in page
