"""An archive carries its contest's organizers and observers, and an import opens the contest to
none of them: each waits on People as an invitation nobody is sent, until the site administrator
sends it (issue 15; issue 13 closed the hole of an archive granting organizer rights)."""

from datetime import timedelta

from sqlalchemy import select

from contest.archive import archive, importing
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import Invitation, RoleGrant
from tests import factories
from tests.archive.crafting import OFFSET, export, manifest_of, relocated, rewrite
from tests.helpers import link_path, outbox_messages, page_text, submit

NEW_PASSWORD = "a brand new pass phrase"


def _archive_with_inside_roles(app, tmp_path):
    """A real export of a contest that has an organizer, an observer (each with a sheet of
    history) and a pending observer invitation; the archive's ids moved clear of the target's."""
    contest = factories.make_contest(app, name="Moved Awards")
    other = factories.make_contest(app, name="Staying Awards")
    factories.make_user(app, roles=[("organizer", contest)], email="olive@district.example")
    factories.make_user(
        app, roles=[("observer", contest), ("organizer", other)], email="chief@police.example"
    )
    with app.app_context():
        now = utcnow()
        db.session.add(
            Invitation(email="sponsor@bank.example", role="observer", contest_id=contest.id,
                       created_at=now, expires_at=now + timedelta(days=7), sent_at=now)
        )  # fmt: skip
        db.session.commit()
    path = relocated(export(app, contest.id, tmp_path / "export.zip"), tmp_path / "moved.zip")
    return contest.id + OFFSET, path


def test_an_export_carries_the_contests_organizers_and_observers_and_no_other_contests(
    app, tmp_path
):
    contest_id, path = _archive_with_inside_roles(app, tmp_path)
    tables = manifest_of(path)["tables"]
    assert sorted((g["role"], g["contest_id"]) for g in tables["role_grants"]) == [
        ("observer", contest_id), ("organizer", contest_id),
    ]  # fmt: skip
    assert [(i["email"], i["role"]) for i in tables["invitations"]] == [
        ("sponsor@bank.example", "observer")
    ]


def test_an_import_holds_them_as_invitations_the_administrator_sends(app, target, tmp_path):
    contest_id, path = _archive_with_inside_roles(app, tmp_path)
    with target.app_context():
        report = _import(path)
        assert report.held == [
            ("chief@police.example", "observer"),
            ("olive@district.example", "organizer"),
            ("sponsor@bank.example", "observer"),
        ]
        lines = "\n".join(report.lines())
        assert "Held for you (3): an archive opens a contest to no one." in lines
        assert "\n  organizer of this contest: olive@district.example" in lines
        # Nobody was given a role that sees the contest's inside.
        inside = select(RoleGrant).where(RoleGrant.role.in_(["organizer", "observer"]))
        assert db.session.scalars(inside).all() == []
        held = {i.email: i for i in db.session.scalars(select(Invitation))}
        assert {(i.role, i.contest_id, i.sent_at) for i in held.values()} == {
            ("organizer", contest_id, None), ("observer", contest_id, None),
        }  # fmt: skip
        # A link to a held invitation cannot be genuine, even signed with this site's key.
        forged = factories.signed_token(
            target.config["SECRET_KEY"], "invitation",
            {"id": held["olive@district.example"].id, "email": "olive@district.example"},
        )  # fmt: skip
        olive = held["olive@district.example"].id
    refused = target.test_client().get(f"/auth/invitation/{forged}")
    assert refused.status_code == 400

    admin = target.test_client()
    factories.make_user(target, roles=["admin"], email="site.admin@example.org")
    factories.sign_in(admin, "site.admin@example.org")
    people = page_text(admin.get("/admin/people"))
    assert people.count("Not sent: held from a contest archive") == 3
    sent = submit(admin, f"/admin/invitations/{olive}/send", {}, page="/admin/people")
    assert sent.status_code == 302
    assert "Invitation on its way to olive@district.example." in page_text(
        admin.get("/admin/people")
    )
    [message] = [m for m in outbox_messages(target) if m["To"] == "olive@district.example"]
    link = link_path(message.get_content(), "/auth/invitation/")

    olive_client = target.test_client()
    accepted = submit(olive_client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert accepted.status_code == 302
    assert olive_client.get(f"/admin/contests/{contest_id}/edit").status_code == 200
    with target.app_context():
        [grant] = db.session.scalars(select(RoleGrant).where(RoleGrant.role == "organizer"))
        assert grant.contest_id == contest_id
        assert db.session.get(Invitation, olive).accepted_at is not None


def test_a_held_role_with_an_unusable_address_is_refused_with_why(app, target, tmp_path):
    contest_id, path = _archive_with_inside_roles(app, tmp_path)

    def spoil(manifest):
        for invitation in manifest["tables"]["invitations"]:
            invitation["email"] = "not an address"
        return manifest

    spoiled = rewrite(path, tmp_path / "spoiled.zip", change_manifest=spoil)
    with target.app_context():
        report = _import(spoiled)
    [(name, _id, reason)] = report.refused
    assert name == "invitations"
    assert reason == "its address 'not an address' is not one mail can reach"
    assert [email for email, _role in report.held] == [
        "chief@police.example", "olive@district.example",
    ]  # fmt: skip


def test_sending_again_renews_an_expired_invitations_link(app, people, login_as):
    old = utcnow() - timedelta(days=30)
    invitation, old_link = factories.make_invitation(
        app, "late.teacher@example.org", school=people["school_a"], now=old
    )
    client = app.test_client()
    assert client.get(old_link).status_code == 400
    admin = login_as("organizer")
    assert "expired" in page_text(admin.get("/admin/people"))
    submit(admin, f"/admin/invitations/{invitation.id}/send", {}, page="/admin/people")
    [message] = [m for m in outbox_messages(app) if m["To"] == "late.teacher@example.org"]
    link = link_path(message.get_content(), "/auth/invitation/")
    assert "late.teacher@example.org" in page_text(client.get(link))


def _import(path):
    return importing.import_archive(db.session, db.metadata, path)


def test_vetting_holds_inside_roles_unless_an_export_asks_otherwise(app, target, tmp_path):
    """Fails closed: a caller that forgets to say gets the organizers and observers held."""
    contest_id, path = _archive_with_inside_roles(app, tmp_path)
    tables = manifest_of(path)["tables"]
    with target.app_context():
        held = archive.vet(db.metadata, tables, contest_id)
        kept = archive.vet(db.metadata, tables, contest_id, hold=False)
    inside = {"organizer", "observer"}
    assert not [g for g in held.rows["role_grants"] if g["role"] in inside]
    assert {row["role"] for _, row in held.held} == inside
    assert {g["role"] for g in kept.rows["role_grants"]} == inside
