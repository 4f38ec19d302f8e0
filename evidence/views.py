def dashboard(r): pass
chart = report_xlsx = report_pdf = dashboard
