"""Starts the connector run loop (resources/connectors/run_worker.py) in a serving
process, with the httpx client sources are fetched with."""

from __future__ import annotations

from davserver.config import Settings
from davserver.connector_http import HttpxSourceClient
from resources.connectors.run_worker import RunWorker


def start_connector_runs(settings: Settings) -> RunWorker:
    return RunWorker(
        HttpxSourceClient,
        poll_seconds=settings.connector_poll_seconds,
        lease_seconds=settings.connector_lease_seconds,
    ).start()
