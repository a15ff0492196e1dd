"""A training run as one self-contained HTML page: settings, metrics and plots.

The plots are embedded as PNG data URLs and the style sheet is inline, so the page is one file
that opens offline, can be mailed or archived, and loads nothing from the network.
"""

import base64
import html

from deltaprop.files import atomic_open
from deltaprop.printable import printable

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 64em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; } td, th { padding: 0.25em 0.9em; text-align: left; }
th { border-bottom: 1px solid #888; } td.num, th.num { text-align: right; }
tbody tr:nth-child(even) { background: #f4f4f4; }
td.num { font-family: ui-monospace, monospace; }
figure { margin: 1em 0; } img { max-width: 100%; height: auto; border: 1px solid #ddd; }
"""


def report_html(title, settings, metrics_caption, metrics_header, metrics_rows, figures):
    """The page as a string: the ``settings`` ([(name, value)]) of the run, the metrics table
    (``metrics_header`` and ``metrics_rows`` as text, the first column text, the others numbers)
    under ``metrics_caption`` (what they are computed on), and ``figures`` (caption → PNG)."""
    settings_rows = "".join(
        f"<tr><th scope='row'>{_e(name)}</th><td>{_e(value)}</td></tr>" for name, value in settings
    )
    head = "".join(
        f"<th{'' if j == 0 else ' class=num'}>{_e(name)}</th>"
        for j, name in enumerate(metrics_header)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{'' if j == 0 else ' class=num'}>{_e(c)}</td>" for j, c in enumerate(row))
        + "</tr>"
        for row in metrics_rows
    )
    images = "".join(_figure(caption, png) for caption, png in figures.items())
    return (
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f"<h2>Settings</h2><table id='settings'><tbody>{settings_rows}</tbody></table>"
        f"<h2>Metrics: {_e(metrics_caption)}</h2>"
        f"<table id='metrics'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<h2>Plots</h2>{images}</body></html>\n"
    )


def _figure(caption, png):
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<figure><img src='data:image/png;base64,{data}' alt='{_e(caption)}'>"
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _e(text):
    return html.escape(printable(text), quote=True)


def write_report(path, page):
    """Write the page ``page`` (str) to ``path`` as UTF-8, atomically."""
    with atomic_open(path, "w", what="report", encoding="utf-8") as file:
        file.write(page)
