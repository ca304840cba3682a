"""WSGI entry point for gunicorn and friends: `gunicorn davserver.wsgi:application`.

Settings come from the environment (DAVSERVER_*) and DAVSERVER_CONFIG.
"""

from davserver.app import build_app
from davserver.config import load_settings
from davserver.connector_runs import start_connector_runs
from davserver.external_sync_loop import start_external_sync
from davserver.maintenance import start_maintenance

_settings = load_settings()
application = build_app(_settings)
start_maintenance(_settings)
start_connector_runs(_settings)
start_external_sync()
