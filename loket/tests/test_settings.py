"""Production defaults, checked in a fresh interpreter with a production-like environment."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

BASE_ENV = {"PATH": os.environ["PATH"], "LOKET_TESTING": "0", "DJANGO_SETTINGS_MODULE": "loket.settings"}


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**BASE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_loket_refuses_to_start_without_a_secret_key_in_production():
    result = _python("import django; django.setup()")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_malformed_setting_is_named_at_start_up():
    result = _python("import django; django.setup()", SECRET_KEY="x" * 50, DEBUG="misschien")
    assert result.returncode != 0
    assert "DEBUG='misschien' is not a boolean" in result.stderr


def test_production_defaults_are_secure():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.PASSWORD_HASHERS[0].rsplit('.', 1)[-1], s.TIME_ZONE, s.LANGUAGE_CODE, s.DEBUG)"
    )
    result = _python(code, SECRET_KEY="x" * 50, ALLOWED_HOSTS="loket.example.nl")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "Argon2PasswordHasher",
        "Europe/Amsterdam",
        "nl",
        "False",
    ]


def test_deploy_check_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**BASE_ENV, "SECRET_KEY": "k" * 64 + "-Loket-production-key-with-enough-entropy", "ALLOWED_HOSTS": "x.nl"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_content_security_policy_forbids_inline_script_and_other_origins():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
