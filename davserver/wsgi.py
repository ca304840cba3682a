"""WSGI entry point for gunicorn and friends: `gunicorn davserver.wsgi:application`.

Settings come from the environment (DAVSERVER_*) and DAVSERVER_CONFIG.
"""

from davserver.app import build_app
from davserver.config import load_settings

application = build_app(load_settings())
