"""The production settings refuse to start insecure and pass Django's deployment checklist.

Each case runs in a fresh interpreter with a clean environment, because settings are read once
per process and the test run itself uses ``config.settings_test``.
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=120
    )


def _setup_django(**env: str) -> subprocess.CompletedProcess:
    return _run(["-c", "import django; django.setup()"], **env)


def _random_secret(length: int = 50) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"DJANGO_DEBUG": "0"},
        {"DJANGO_DEBUG": "0", "SECRET_KEY": ""},
        {"DJANGO_DEBUG": "0", "SECRET_KEY": "too-short"},
        {"DJANGO_DEBUG": "0", "SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production-epi-events"},
    ],
    ids=["no-env", "debug-off", "empty-key", "short-key", "dev-key"],
)
def test_settings_refuse_to_load_without_a_real_secret_key_when_debug_is_off(env):
    result = _setup_django(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_development_settings_load_without_any_secret():
    result = _setup_django(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def _credential_keys(tmp_path) -> str:
    import json

    from joserfc.jwk import ECKey

    folder = tmp_path / "credential-keys"
    folder.mkdir()
    key = ECKey.generate_key("P-256", private=True)
    (folder / f"{key.thumbprint()}.json").write_text(json.dumps(key.as_dict(private=True)))
    (folder / "active").write_text(key.thumbprint())
    return str(folder)


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_DEBUG="0",
        SECRET_KEY=_random_secret(),
        ALLOWED_HOSTS="events.example.org",
        CREDENTIAL_KEYS_DIR=_credential_keys(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_check_deploy_warns_when_certificates_would_carry_no_credential(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy"],
        DJANGO_DEBUG="0",
        SECRET_KEY=_random_secret(),
        ALLOWED_HOSTS="events.example.org",
        CREDENTIAL_KEYS_DIR=str(tmp_path / "empty"),
    )
    assert "certificates.W001" in result.stdout + result.stderr


def test_manage_py_on_an_unconfigured_checkout_runs_in_development_mode():
    result = _run(["manage.py", "check"])
    assert result.returncode == 0, result.stderr


def test_the_app_server_refuses_to_start_without_a_secret_key():
    result = _run(["-c", "import config.wsgi"])
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_postgresql_connections_are_health_checked_and_email_has_a_timeout():
    result = _run(
        [
            "-c",
            "from django.conf import settings; import django; django.setup();"
            "print(settings.DATABASES['default']['CONN_HEALTH_CHECKS'], settings.EMAIL_TIMEOUT)",
        ],
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/unused",
        EMAIL_TIMEOUT="7",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "7"]


def test_redis_connections_have_a_timeout():
    result = _run(
        [
            "-c",
            "from django.conf import settings; import django; django.setup();"
            "o = settings.CACHES['default']['OPTIONS']; b = settings.CELERY_BROKER_TRANSPORT_OPTIONS;"
            "print(o['socket_connect_timeout'], o['socket_timeout'], b['socket_connect_timeout'], b['socket_timeout'])",
        ],
        DJANGO_DEBUG="1",
        REDIS_URL="redis://127.0.0.1:6379/2",
        REDIS_TIMEOUT="3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "3", "3", "3"]


def test_the_trusted_proxy_setting_reaches_allauth_and_defaults_off():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT, s.TRUSTED_CLIENT_IP_HEADER,"
        " s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    )
    default = _run(["-c", code], DJANGO_DEBUG="1")
    configured = _run(["-c", code], DJANGO_DEBUG="1", TRUSTED_PROXY_COUNT="1", TRUSTED_CLIENT_IP_HEADER="X-Real-IP")

    assert default.stdout.split() == ["0", "0", "None", "None"], default.stderr
    assert configured.stdout.split() == ["1", "1", "X-Real-IP", "X-Real-IP"], configured.stderr
