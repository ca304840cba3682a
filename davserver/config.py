"""Typed settings: one declaration per setting (default, type, help) drives the
command line, the environment (DAVSERVER_<NAME>) and the TOML config file.

Precedence: command-line flag > environment > config file > default.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


def setting(default: Any, help: str, *, flag: bool = True) -> Any:
    return field(default=default, metadata={"help": help, "flag": flag})


@dataclass(frozen=True)
class Settings:
    host: str = setting("127.0.0.1", "address to listen on")
    port: int = setting(8080, "TCP port to listen on")
    database: str = setting(
        "sqlite:///davserver.db", "database URL: sqlite:///PATH or postgresql://USER:PASS@HOST/DB"
    )
    public_url: str = setting(
        "", "public base URL when behind a reverse proxy, e.g. https://dav.example.com"
    )
    trust_proxy: bool = setting(
        False, "take scheme and host from X-Forwarded-Proto/Host (only behind a proxy you run)"
    )
    demo: bool = setting(False, "fill an empty database with demo data")
    demo_language: str = setting("de", "language of the demo data: de or en")
    threads: int = setting(8, "worker threads of the HTTP server, in each process")
    workers: int = setting(1, "server processes sharing the port (production: one per core)")
    max_request_size: int = setting(
        20 * 1024 * 1024, "largest request body in bytes (413 above)", flag=False
    )
    max_resource_size: int = setting(
        10 * 1024 * 1024, "largest calendar object in bytes", flag=False
    )
    max_instances: int = setting(
        10_000,
        "most recurrence instances of one calendar object (CALDAV:max-instances)",
        flag=False,
    )
    request_time_limit: int = setting(
        20, "seconds one request may spend expanding recurrences (503 after)", flag=False
    )
    max_vcard_size: int = setting(1024 * 1024, "largest vCard in bytes", flag=False)
    sync_history_days: int = setting(
        180, "days of change history kept for sync-collection", flag=False
    )
    request_head_timeout: int = setting(
        10, "seconds a client may take to send a request's headers (408 after)", flag=False
    )
    log_level: str = setting("INFO", "DEBUG, INFO, WARNING or ERROR")
    secret_key: str = setting(
        "", "key signing admin sessions; empty: one kept in the database", flag=False
    )
    secret_keys: str = setting(
        "",
        "keys sealing connector passwords and tokens, newest first (davserver secrets new-key); "
        "empty: the key file",
        flag=False,
    )
    secret_key_file: str = setting(
        "",
        "file of those keys, created with one new key if missing; empty: "
        "davserver-secrets.key beside the SQLite database, or in ~/.local/share/davserver",
        flag=False,
    )
    connector_poll_seconds: int = setting(
        5, "how often each server process looks for due and queued connector runs", flag=False
    )
    connector_lease_seconds: int = setting(
        60,
        "a connector run's lease: a run whose process is gone is failed this long after",
        flag=False,
    )
    scheduling_mail_domain: str = setting(
        "resources.invalid",
        "mail domain of the resources' scheduling addresses (mailto:<slug>@<domain>); "
        "the default never reaches a real mailbox",
        flag=False,
    )
    maintenance_poll_seconds: int = setting(
        60, "how often each server process looks whether upkeep (pruning) is due", flag=False
    )
    login_failures_per_user: int = setting(
        10, "failed sign-ins per user name in 5 minutes before 429", flag=False
    )
    login_failures_per_address: int = setting(
        100, "failed sign-ins per client address in 5 minutes before 429", flag=False
    )

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def field_info(cls) -> list[dataclasses.Field]:
        return list(dataclasses.fields(cls))


def _convert(name: str, kind: type, raw: Any) -> Any:
    if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
        return raw
    text = str(raw).strip()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"setting {name!r} must be true or false, not {text!r}")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"setting {name!r} must be a whole number, not {text!r}") from None
    return text


def _field_types() -> dict[str, type]:
    return {f.name: type(f.default) for f in dataclasses.fields(Settings)}


def read_config_file(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path!r} is not valid TOML: {exc}") from None
    table = data.get("davserver", data)
    unknown = sorted(set(table) - set(Settings.names()))
    if unknown:
        raise ConfigError(f"config file {path!r} has unknown setting(s): {', '.join(unknown)}")
    return table


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | None = None,
) -> Settings:
    """Merge the sources by precedence and validate the result."""
    environ = os.environ if environ is None else environ
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    config_file = flags.pop("config", None) or environ.get("DAVSERVER_CONFIG") or config_file
    values: dict[str, Any] = {}
    if config_file:
        values.update(read_config_file(config_file))
    for name in Settings.names():
        env_value = environ.get(f"DAVSERVER_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    values.update({k: v for k, v in flags.items() if k in Settings.names()})
    types = _field_types()
    settings = Settings(**{k: _convert(k, types[k], v) for k, v in values.items()})
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if not 0 <= settings.port <= 65535:
        raise ConfigError(f"port {settings.port} is out of range (0-65535)")
    if settings.public_url and not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError("public_url must start with http:// or https://")
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("log_level must be DEBUG, INFO, WARNING or ERROR")
    for name in (
        "threads",
        "workers",
        "max_request_size",
        "request_head_timeout",
        "max_resource_size",
        "max_instances",
        "request_time_limit",
        "max_vcard_size",
        "sync_history_days",
        "login_failures_per_user",
        "login_failures_per_address",
        "maintenance_poll_seconds",
    ):
        if getattr(settings, name) < 1:
            raise ConfigError(f"setting {name!r} must be at least 1")
