from django.urls import path
app_name = "api_pages"
urlpatterns = []
