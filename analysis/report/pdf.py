"""Printing the report to an A4 PDF with a headless Chromium found on the PATH.

The report's print stylesheet does the layout (A4, the decision page on page 1, each municipality on a new
page, no chart or table row cut in two); Chromium only prints. A fresh profile folder per print keeps the
user's browser profile out of it, and the flags turn off everything that would reach the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from analysis.load import RunError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)

TIMEOUT_SECONDS = 300


def find_chromium() -> str:
    """The first Chromium-like browser on the PATH; a `RunError` saying how to print by hand when none."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise RunError(
        f"no headless Chromium on the PATH (looked for {', '.join(BROWSERS)}): write the report as HTML "
        "(--out report.html), open it in a browser and print it to PDF (A4, portrait, background graphics on), "
        "or install one (Debian: apt-get install chromium)"
    )


def print_pdf(html: str, out: Path, chromium: str) -> Path:
    """Print `html` to the PDF `out` (written whole or not at all)."""
    with tempfile.TemporaryDirectory(prefix="wsw-sim-print-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(work) / "report.pdf"
        profile = Path(work) / "profile"
        command = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={printed}", page.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise RunError(f"{chromium} did not finish printing within {TIMEOUT_SECONDS} s") from None
        if result.returncode != 0 or not printed.is_file() or printed.read_bytes()[:5] != b"%PDF-":
            tail = (result.stderr or "").strip().splitlines()[-3:]
            raise RunError(f"{chromium} could not print the report ({'; '.join(tail) or 'no PDF written'})")
        partial = out.with_name(f".{out.name}.partial")
        shutil.copyfile(printed, partial)
        os.replace(partial, out)  # a rename: never a half-written PDF under the final name
    return out
