"""/health names the part that is down; /ping answers without touching anything."""

from contest.core.extensions import db
from tests.helpers import S3Server, count_statements


def test_health_is_ok_when_every_part_answers(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "queue": "ok", "storage": "ok"},
        "failed": [],
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_health_names_the_storage_when_the_s3_server_stops(make_app, restore_job_queue):
    server = S3Server()
    server.start()
    try:
        bucket = server.new_bucket()
        app = make_app(**bucket.settings)
        assert app.test_client().get("/health").status_code == 200
    finally:
        server.stop()
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["failed"] == ["storage"]
    assert response.json["checks"] == {"database": "ok", "queue": "ok", "storage": "failed"}
    assert bucket.name not in response.get_data(as_text=True)  # details go to the log only


def test_health_names_a_missing_local_storage_folder(make_app, restore_job_queue, tmp_path):
    app = make_app(STORAGE_URL=f"file://{tmp_path}/media")
    (tmp_path / "media").rmdir()
    response = app.test_client().get("/health")
    assert (response.status_code, response.json["failed"]) == (503, ["storage"])


def test_health_names_the_queue_when_redis_is_unreachable(make_app, restore_job_queue):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", JOBS_IMMEDIATE=False)
    response = app.test_client().get("/health")
    assert (response.status_code, response.json["failed"]) == (503, ["queue"])


def test_health_names_the_database_when_it_is_unreachable(make_app, restore_job_queue):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = app.test_client().get("/health")
    assert (response.status_code, response.json["failed"]) == (503, ["database"])


def test_ping_touches_neither_database_nor_session(app, client):
    with app.app_context(), count_statements(db.engine) as statements:
        response = client.get("/ping")
    assert (response.status_code, response.data) == (200, b"ok\n")
    assert response.mimetype == "text/plain"
    assert statements == []
    assert "Set-Cookie" not in response.headers
