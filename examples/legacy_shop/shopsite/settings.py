"""Settings of the legacy shop. Environment variables used by the benchmark and local runs:

SHOP_DB_PATH        SQLite file (default: db.sqlite3 next to manage.py)
SHOP_UPSTREAM_URL   base URL of the upstream services (see upstream.py)
SHOP_DEBUG          "1" to turn DEBUG on
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "legacy-shop-example-not-secret"
DEBUG = os.environ.get("SHOP_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "shop",
    "orders",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "shopsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

ASGI_APPLICATION = "shopsite.asgi.application"
WSGI_APPLICATION = "shopsite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SHOP_DB_PATH", str(BASE_DIR / "db.sqlite3")),
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/orders/"

# The pricing, warehouse, review and order services. Tests point this at a local server they start.
UPSTREAM_URL = os.environ.get("SHOP_UPSTREAM_URL", "http://127.0.0.1:8001")

# `manage.py test` starts the local upstream server around the test run.
TEST_RUNNER = "shopsite.testrunner.UpstreamTestRunner"
