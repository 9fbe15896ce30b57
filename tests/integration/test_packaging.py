"""`pip install .` (not only an editable install) ships templates, migrations and config."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_what_the_app_reads_at_run_time(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("systemfel-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "systemfel/templates/base.html",
        "systemfel/templates/brister/list.html",
        "systemfel/migrations/env.py",
        "systemfel/config/default.toml",
        "systemfel/translations/en/LC_MESSAGES/messages.mo",
        "systemfel/static/css/systemfel.css",
    ]:
        assert expected in names, expected
    assert any(name.startswith("systemfel/migrations/versions/") for name in names)
