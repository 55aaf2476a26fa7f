"""The site administrator's districts: their names and the email domains that route a
teacher's registration to one. The rules are in contest/core/districts.py."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from contest.admin import bp
from contest.admin.forms import DistrictForm, MergeDistrictForm, RejectSchoolForm
from contest.auth.guards import admin_required, coordinator_required
from contest.core import districts, permissions
from contest.core.audit import record
from contest.core.extensions import db
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import District, Entry, School
from contest.core.transaction import unit_of_work
from contest.submissions import registration as schools
from contest.web.forms import on_form


def _save(form, district):
    """Save the form's district and go back to the list; None when there is nothing to save or
    the form is refused (its errors are on it)."""
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            saved = districts.save(db.session, district, form.name.data, form.domains.data)
            record(db.session, current_user, "district.saved", saved,
                   name=saved.name, domains=[row.domain for row in saved.domains])  # fmt: skip
        if work.done:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for("admin.district_list"))
    return None


@bp.route("/districts", methods=["GET", "POST"])
@admin_required
def district_list():
    form = DistrictForm()
    done = _save(form, None)
    if done is not None:
        return done
    rows = db.session.execute(
        select(District, func.count(School.id))
        .outerjoin(School, School.district_id == District.id)
        .group_by(District.id)
        .order_by(District.name)
    ).all()
    status = 400 if form.is_submitted() else 200
    return render_template("admin/districts.html", form=form, rows=rows), status


@bp.route("/districts/<int:district_id>", methods=["GET", "POST"])
@admin_required
def edit_district(district_id):
    district = db.session.get(District, district_id) or abort(404)
    form = DistrictForm()  # never filled from the row: a field left out of a POST stays empty
    if request.method == "GET":
        form.name.data = district.name
        form.domains.data = "\n".join(row.domain for row in district.domains)
    done = _save(form, district)
    if done is not None:
        return done
    status = 400 if form.is_submitted() else 200
    return _district_page(district, form=form, status=status)


@bp.route("/districts/<int:district_id>/merge", methods=["POST"])
@admin_required
def merge_district(district_id):
    district = db.session.get(District, district_id) or abort(404)
    merge_form = _merge_form(district)
    if merge_form.validate_on_submit():
        name = district.name
        with unit_of_work(db.session, show=on_form(merge_form)) as work:
            target = db.session.get(District, merge_form.target.data)
            moved = districts.merge(db.session, district, target)
            record(db.session, current_user, "district.merged", target, merged=name,
                   schools=moved)  # fmt: skip
        if work.done:
            schools_moved = f"{moved} school{'s' if moved != 1 else ''} moved"
            flash(f"{name} is merged into {target.name}: {schools_moved}.", "success")
            return redirect(url_for("admin.edit_district", district_id=target.id))
    return _district_page(district, merge_form=merge_form, status=400)


def _merge_form(district):
    form = MergeDistrictForm()
    form.target.choices = [
        (row.id, row.name)
        for row in db.session.scalars(
            select(District).where(District.id != district.id).order_by(District.name)
        )
    ]
    return form


def _district_page(district, form=None, merge_form=None, status=200):
    if form is None:
        form = DistrictForm(formdata=None)
        form.name.data = district.name
        form.domains.data = "\n".join(row.domain for row in district.domains)
    if merge_form is None:
        merge_form = _merge_form(district)
    schools_in = db.session.scalars(
        select(School).where(School.district_id == district.id).order_by(School.name)
    ).all()
    page = render_template(
        "admin/district.html",
        form=form,
        merge_form=merge_form,
        district=district,
        schools=schools_in,
    )
    return page, status


@bp.route("/district")
@coordinator_required
def district_schools():
    """A coordinator's districts: the schools waiting for approval, and the status and consent
    of their schools' entries (a coordinator never scores or judges)."""
    mine = permissions.districts_only(current_user, School.district_id)
    entries = db.session.execute(
        select(Entry, School, Contest)
        .join(School, School.id == Entry.school_id)
        .join(Category, Category.id == Entry.category_id)
        .join(Contest, Contest.id == Category.contest_id)
        .where(mine)
        .order_by(Contest.created_at.desc(), School.name, Entry.title)
    ).all()
    coordinated = db.session.scalars(
        select(District)
        .where(permissions.districts_only(current_user, District.id))
        .order_by(District.name)
    ).all()
    return render_template(
        "admin/district_schools.html",
        districts=coordinated,
        pending=schools.pending_schools(db.session, mine),
        entries=entries,
        reject_form=RejectSchoolForm(),
    )
