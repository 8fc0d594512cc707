# The e2e Django project (tests/e2e/apps/e2e_django), mounted at /django:
# what `django-admin startproject` puts in wsgi.py, plus the sys.path line
# a script outside the project needs.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2e_django.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
