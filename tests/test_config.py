"""Configuration: production refuses to start without a proper key; bad settings say what to fix.

Config classes read the environment when `config` is imported, so these tests subclass them with
the values under test instead of relying on the environment of the test run.
"""

import stat

import pytest

import config
from config import Config, ConfigError, ProductionConfig
from contest import create_app

NO_DATABASE = "sqlite://"  # creating an app never connects; nothing here touches a database
GOOD_KEY = "a-production-secret-key-of-enough-length-0123456789"


def build(config_class, instance_dir):
    return create_app(config_class, INSTANCE_DIR=instance_dir, SQLALCHEMY_DATABASE_URI=NO_DATABASE)


@pytest.mark.parametrize("missing", [None, ""])
def test_production_without_a_secret_key_refuses_to_start(tmp_path, missing):
    class NoKey(ProductionConfig):
        SECRET_KEY = missing

    with pytest.raises(ConfigError) as refused:
        build(NoKey, tmp_path)
    message = str(refused.value)
    assert "SECRET_KEY is not set" in message
    assert "set the SECRET_KEY environment variable" in message
    assert not (tmp_path / "secret_key").exists(), "production must not make up its own key"


def test_production_refuses_a_short_secret_key(tmp_path):
    class ShortKey(ProductionConfig):
        SECRET_KEY = "x" * 31

    with pytest.raises(ConfigError, match="SECRET_KEY is too short: use at least 32"):
        build(ShortKey, tmp_path)


def test_production_starts_with_a_long_secret_key(tmp_path):
    class GoodKey(ProductionConfig):
        SECRET_KEY = GOOD_KEY

    app = build(GoodKey, tmp_path)
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert not app.testing


class Development(Config):
    SECRET_KEY = None  # as when SECRET_KEY is not in the environment


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    instance = tmp_path / "instance"
    first = build(Development, instance)
    key_file = instance / "secret_key"
    key = first.config["SECRET_KEY"]
    assert key_file.read_text() == key
    assert len(key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "only the owner may read the key"

    second = build(Development, instance)
    assert second.config["SECRET_KEY"] == key

    elsewhere = build(Development, tmp_path / "other-instance")
    assert elsewhere.config["SECRET_KEY"] != key


def test_development_replaces_an_empty_key_file(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    app = build(Development, tmp_path)
    assert len(app.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").read_text() == app.config["SECRET_KEY"]


def test_development_uses_a_given_secret_key(tmp_path):
    class GivenKey(Config):
        SECRET_KEY = GOOD_KEY

    assert build(GivenKey, tmp_path).config["SECRET_KEY"] == GOOD_KEY
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [(None, Config), ("development", Config), ("production", ProductionConfig)],
)
def test_contest_env_picks_the_config(monkeypatch, name, expected):
    if name is None:
        monkeypatch.delenv("CONTEST_ENV", raising=False)
    else:
        monkeypatch.setenv("CONTEST_ENV", name)
    assert config.config_from_env() is expected


def test_an_unknown_contest_env_is_refused(monkeypatch):
    monkeypatch.setenv("CONTEST_ENV", "staging")
    with pytest.raises(ConfigError) as refused:
        config.config_from_env()
    assert str(refused.value) == (
        "CONTEST_ENV='staging' is not one of development, production, testing"
    )


def test_a_bad_whole_number_is_refused(monkeypatch):
    monkeypatch.setenv("LOGIN_FAILURE_LIMIT", "abc")
    with pytest.raises(ConfigError) as refused:
        config._env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
    assert str(refused.value) == "LOGIN_FAILURE_LIMIT must be a whole number, got 'abc'"


def test_a_whole_number_below_its_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("LOGIN_FAILURE_LIMIT", "0")
    with pytest.raises(ConfigError, match="LOGIN_FAILURE_LIMIT must be at least 1, got 0"):
        config._env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)


@pytest.mark.parametrize(("value", "expected"), [(None, 5), ("", 5), (" ", 5), ("12", 12)])
def test_whole_numbers_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("LOGIN_FAILURE_LIMIT", raising=False)
    else:
        monkeypatch.setenv("LOGIN_FAILURE_LIMIT", value)
    assert config._env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1) == expected
