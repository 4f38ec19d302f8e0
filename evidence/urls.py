from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chart/<slug:name>.svg", views.chart, name="chart"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
]
