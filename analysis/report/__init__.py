"""The report a council decides with: one self-contained HTML file per run (or its A4 PDF), Dutch or English.

It opens on the decision page (`<section id="decision">`): per municipality and for the region, what each
alternative costs compared with the baseline under the one definition of cost (the config's `[analysis]`
table), how sure that is, and what happens to the people and the organisations. A page per municipality
follows (`<section class="municipality" data-municipality="NAME">`), then the region's tables and charts, the
assumptions and the provenance.

    from analysis.report import write_report
    write_report("runs/20190101-abc", "report.html", lang="nl")
    write_report("runs/20190101-abc", "report.pdf", lang="nl")  # needs a headless Chromium on the PATH
"""

from analysis.report.assumptions import ParameterRow, parameter_rows
from analysis.report.context import build_context, render, write_report

__all__ = ["ParameterRow", "build_context", "parameter_rows", "render", "write_report"]
