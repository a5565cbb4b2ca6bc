"""What a newcomer at the terminal meets: mail to files, stopping the embedded database."""

from billing_admin.embedded_db import stop_embedded_database
from billing_admin.tests.test_foundation import SETUP, run_python


def test_filemail_with_four_slashes_writes_mail_to_that_absolute_directory(tmp_path):
    result = run_python(
        SETUP + "print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)",
        DEBUG="true",
        EMAIL_URL=f"filemail:///{tmp_path}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(tmp_path),
    ]


def test_filemail_with_a_relative_path_refuses_to_start_showing_the_right_form():
    result = run_python(SETUP, DEBUG="true", EMAIL_URL="filemail:///tmp/billing-mail")

    assert result.returncode == 1
    assert "filemail:////tmp/billing-mail" in result.stderr


def test_stopping_the_embedded_database_when_none_runs_says_so(tmp_path):
    assert stop_embedded_database(tmp_path) is False
