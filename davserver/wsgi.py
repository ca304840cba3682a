"""WSGI entry point for gunicorn and friends: `gunicorn davserver.wsgi:application`.

Settings come from the environment (DAVSERVER_*) and DAVSERVER_CONFIG.
"""

from davserver.app import build_app
from davserver.config import load_settings
from davserver.maintenance import start_maintenance

_settings = load_settings()
application = build_app(_settings)
start_maintenance(_settings)
