"""Certificates: a page per award a winning entry holds, and one of participation per school that
took part, printed once the results are published.

`render` is a plain function of plain data (Certificate values); `certificate_files` finds what
to certify from the frozen Result rows. Core PDF fonts are Latin-1 only, so text is set in
DejaVu Sans, shipped in static/fonts and subset into each file; a character it lacks prints as
a white square rather than vanishing, and the organizer's list names it.
"""

import io
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF
from sqlalchemy import select
from werkzeug.utils import secure_filename

from contest.core.models.contests import Category
from contest.core.models.entries import Entry, School
from contest.core.models.results import Result
from contest.judging.panel import judgeable_entries
from contest.results.plan import ORDINAL_WORDS
from contest.submissions.entries import public_credit

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "dejavu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MISSING = "\u25a1"  # a white square: the usual stand-in for a character a font cannot draw
AWARD_ORDER = {"place": 0, "peoples_choice": 1, "honourable_mention": 2}

INK = (34, 34, 34)
MUTED = (96, 96, 96)
ACCENT = (23, 78, 96)
GOLD = (176, 141, 60)


@dataclass(frozen=True)
class Certificate:
    """What one certificate page says, as plain text."""

    contest: str
    award: (
        str  # the headline: "First place", "People's Choice award", "Certificate of participation"
    )
    award_detail: str  # "in Cyberbullying", "chosen by the public vote", "for entering 2 ..."
    title: str  # the entry's title; "" on a certificate of participation
    credit: str  # the students' credit line as the consent allows it; may be ""
    school: str
    date: str  # the publication date in the contest's time zone, written out

    @property
    def award_line(self):
        return f"{self.award} {self.award_detail}".strip()

    @property
    def missing_glyphs(self):
        """The characters of this certificate the font cannot draw."""
        return missing_glyphs(" ".join((self.contest, self.title, self.credit, self.school)))


@dataclass(frozen=True)
class CertificateFile:
    """One PDF to download: a winning entry's (a page per award) or a school's participation."""

    filename: str
    school_id: int
    entry_id: int | None  # None for the school's certificate of participation
    pages: tuple[Certificate, ...]

    @property
    def missing_glyphs(self):
        return "".join(dict.fromkeys("".join(page.missing_glyphs for page in self.pages)))


# --- text the font can draw -------------------------------------------------------------------


@cache
def _covered():
    return frozenset(TTFont(FONT_DIR / FONT_FILES[""])["cmap"].getBestCmap())


def missing_glyphs(text):
    """The characters of `text` (each once) that the certificate font cannot draw."""
    text = unicodedata.normalize("NFC", text)
    return "".join(dict.fromkeys(c for c in text if not c.isspace() and ord(c) not in _covered()))


def printable(text):
    """`text` on one line as the font can draw it: composed (NFC), joiners and variation selectors
    it lacks dropped (they only shape their neighbours), any other missing character a square."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    covered = _covered()
    return "".join(
        c if ord(c) in covered else "" if unicodedata.category(c) in ("Mn", "Cf") else MISSING
        for c in text
    )


# --- the PDF ----------------------------------------------------------------------------------


def _fit(pdf, text, style, size, width, max_lines, min_size):
    """Set the largest font size from `size` down to `min_size` at which `text` takes at most
    `max_lines` lines of `width`, so long titles and credits stay on the page."""
    while size > min_size:
        pdf.set_font(FONT, style, size)
        if len(pdf.multi_cell(width, text=text, dry_run=True, output="LINES")) <= max_lines:
            return
        size -= 1
    pdf.set_font(FONT, style, min_size)


def _line(pdf, text, style="", size=12, colour=INK, max_lines=1, min_size=9, gap=0):
    width = pdf.epw
    _fit(pdf, text, style, size, width, max_lines, min_size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(width, pdf.font_size * 1.3, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _frame(pdf):
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(9, 9, pdf.w - 18, pdf.h - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)


def _page(pdf, certificate):
    pdf.add_page()
    _frame(pdf)
    pdf.set_y(30)
    _line(pdf, printable(certificate.contest), "B", 18, ACCENT, max_lines=2, min_size=12, gap=2)
    pdf.set_draw_color(*GOLD)
    pdf.line(pdf.w / 2 - 30, pdf.get_y(), pdf.w / 2 + 30, pdf.get_y())
    pdf.ln(8)
    _line(pdf, certificate.award, "B", 36, INK, min_size=24)
    detail = printable(certificate.award_detail)
    if certificate.title:
        _line(pdf, detail, "", 18, MUTED, max_lines=2, min_size=12)
        pdf.ln(8)
        _line(pdf, "is awarded to the public-service announcement", "", 12, MUTED, gap=2)
        _line(pdf, f"“{printable(certificate.title)}”", "B", 26, INK, max_lines=2, min_size=14)
        if certificate.credit:
            _line(pdf, f"by {printable(certificate.credit)}", "", 16, INK, max_lines=3, min_size=9)
        pdf.ln(3)
        _line(pdf, printable(certificate.school), "", 18, ACCENT, max_lines=2, min_size=12)
    else:
        pdf.ln(8)
        _line(pdf, "is presented to", "", 12, MUTED, gap=2)
        _line(pdf, printable(certificate.school), "B", 28, ACCENT, max_lines=2, min_size=14)
        _line(pdf, detail, "", 16, MUTED, max_lines=2, min_size=12)
    _signature(pdf, 40, certificate.date, "Date of publication")
    _signature(pdf, pdf.w - 140, "", "For the organizers")


def _signature(pdf, x, text, caption):
    y = pdf.h - 45
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(x, y + 9, x + 100, y + 9)
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "", 13)
    pdf.set_text_color(*INK)
    pdf.cell(100, 8, text, align="C")
    pdf.set_xy(x, y + 10)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(100, 5, caption, align="C")


def render(certificates):
    """A PDF (A4 landscape, the font subset embedded) with a page per certificate, as bytes."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    for style, file in FONT_FILES.items():
        pdf.add_font(FONT, style, FONT_DIR / file)
    # The bold face lacks some glyphs the regular one has: borrow those from it.
    pdf.set_fallback_fonts([FONT], exact_match=False)
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 25, 25)
    first = certificates[0]
    pdf.set_title(f"{first.contest}: {first.award_line}")
    pdf.set_creator("PSA Contest")
    for certificate in certificates:
        _page(pdf, certificate)
    return bytes(pdf.output())


def zip_files(files):
    """A zip archive (bytes) holding each CertificateFile rendered under its file name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.writestr(file.filename, render(file.pages))
    return buffer.getvalue()


# --- what to certify --------------------------------------------------------------------------


def publication_date(contest):
    """The day the results were published, in the contest's time zone ("25 November 2026")."""
    day = contest.published_at.astimezone(ZoneInfo(contest.timezone))
    return f"{day.day} {day:%B %Y}"


def award_wording(award, place, category_name):
    """(headline, detail) for a Result's award."""
    if award == "place":
        return f"{ORDINAL_WORDS[place]} place", f"in {category_name}"
    if award == "peoples_choice":
        return "People's Choice award", "chosen by the public vote"
    return "Honourable mention", f"in {category_name}" if category_name else ""


def _filename(contest, kind, row_id, name):
    label = secure_filename(name)[:60].strip("._-")
    return (
        "-".join(part for part in (secure_filename(contest.slug), kind, str(row_id), label) if part)
        + ".pdf"
    )


def certificate_files(session, contest, school_id=None):
    """The certificate files of a published contest (only `school_id`'s when given): one per
    winning entry, its awards in order, then one of participation per school that had an
    eligible (judged: ready, not hidden) entry. Empty while the contest is unpublished."""
    if contest.published_at is None:
        return []
    date = publication_date(contest)
    conditions = [Result.contest_id == contest.id]
    if school_id is not None:
        conditions.append(Entry.school_id == school_id)
    rows = session.execute(
        select(Result, Entry, School.name, Category.name, Category.sort_order)
        .join(Entry, Entry.id == Result.entry_id)
        .join(School, School.id == Entry.school_id)
        .outerjoin(Category, Category.id == Result.category_id)
        .where(*conditions)
    ).all()
    rows.sort(key=lambda r: (AWARD_ORDER[r[0].award], r[4] or 0, r[0].place or 0, r[1].id))
    pages, entries = {}, {}
    for result, entry, school, category, _ in rows:
        headline, detail = award_wording(result.award, result.place, category)
        page = Certificate(
            contest.name, headline, detail, entry.title, public_credit(entry), school, date
        )
        pages.setdefault(entry.id, []).append(page)
        entries[entry.id] = entry
    files = [
        CertificateFile(
            _filename(contest, "entry", entry_id, entries[entry_id].title),
            entries[entry_id].school_id,
            entry_id,
            tuple(entry_pages),
        )
        for entry_id, entry_pages in pages.items()
    ]
    return files + _participation_files(session, contest, date, school_id)


def _participation_files(session, contest, date, school_id):
    counts = Counter(
        entry.school_id
        for entry in judgeable_entries(session, contest)
        if school_id in (None, entry.school_id)
    )
    schools = session.scalars(
        select(School).where(School.id.in_(counts)).order_by(School.name, School.id)
    ).all()
    return [
        CertificateFile(
            _filename(contest, "participation", school.id, school.name),
            school.id,
            None,
            (
                Certificate(
                    contest.name,
                    "Certificate of participation",
                    f"for entering {_entries(counts[school.id])} in the contest",
                    "",
                    "",
                    school.name,
                    date,
                ),
            ),
        )
        for school in schools
    ]


def _entries(count):
    return f"{count} public-service announcement{'s' if count != 1 else ''}"


def find_file(files, entry_id=None, school_id=None):
    """The file for `entry_id` (a winning entry's), or else `school_id`'s participation; None."""
    for file in files:
        if entry_id is not None and file.entry_id == entry_id:
            return file
        if entry_id is None and file.entry_id is None and file.school_id == school_id:
            return file
    return None
