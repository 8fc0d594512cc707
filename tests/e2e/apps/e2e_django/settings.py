# Settings of the e2e Django project (Debian's python3-django), mounted at
# /django.  No database: nothing here needs one.
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "pyfpm-e2e-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "e2e_django.urls"
INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [os.path.join(HERE, "templates")],
}]
DATABASES = {}
USE_TZ = True
APPEND_SLASH = True
LOGGING_CONFIG = None
