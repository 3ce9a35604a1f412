"""Headless LibreOffice (Debian libreoffice-calc), as the spreadsheet program a reviewer
opens our files in: one way to find it and convert with it, for every test that does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def convert(
    files: list[Path], to: str, out: Path, profile: Path, infilter: str | None = None
) -> None:
    """Convert ``files`` with ``soffice --convert-to to`` into ``out``, in a profile of the
    test's own (``profile``), reading them with ``infilter`` when given; skips the test when
    LibreOffice is not installed (``make test`` installs it)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (Debian libreoffice-calc) is not installed; make test installs it")
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
