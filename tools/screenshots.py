"""README's pictures of the report: page 1 in Dutch and in English, as a headless Chromium shows it.

    .venv/bin/python tools/screenshots.py RUN_DIR [--out docs] [--exploration EXPLORE_DIR]

Renders the report of RUN_DIR in both languages and takes a 1280 x 1000 screenshot of the top of each
(`docs/report-page1-nl.png`, `docs/report-page1-en.png`), with the same browser and flags as the PDF print.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from analysis.report import render
from analysis.report.pdf import FLAGS, find_chromium


def screenshot(html: str, png: Path, chromium: str) -> None:
    with tempfile.TemporaryDirectory(prefix="wsw-sim-shot-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        profile = Path(work) / "profile"
        command = [chromium, *FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars", "--window-size=1280,1000"]
        subprocess.run([*command, f"--screenshot={png.resolve()}", page.as_uri()], capture_output=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--exploration", type=Path, default=None)
    args = parser.parse_args()
    chromium = find_chromium()
    args.out.mkdir(parents=True, exist_ok=True)
    for lang in ("nl", "en"):
        png = args.out / f"report-page1-{lang}.png"
        screenshot(render(args.run_dir, lang, exploration=args.exploration), png, chromium)
        print(png)


if __name__ == "__main__":
    main()
