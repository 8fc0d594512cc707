from django.urls import path

from e2e_django import views

urlpatterns = [
    path("", views.index, name="index"),
    path("item/<str:name>/", views.item, name="item"),
    path("form/", views.form, name="form"),
    path("done/", views.done, name="done"),
    path("upload/", views.upload, name="upload"),
    path("stream/", views.stream, name="stream"),
    path("etag/", views.etag, name="etag"),
    path("cookies/", views.cookies, name="cookies"),
]
