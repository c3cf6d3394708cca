"""Reports for people, built from the warehouse: the charted, self-contained HTML spend report
(``report_html.write_html_report``), its sections (``sections``, ``ledger``), charts
(``charts``: Vega-Altair rendered to static SVG by vl-convert) and HTML pieces (``html``)."""
