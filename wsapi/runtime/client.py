"""Boto3 clients for the API Gateway Management API: one per (endpoint, region, config), made
on first use. boto3 is imported here and only here, lazily, so importing a generated module
stays cheap on a Lambda cold start."""

from __future__ import annotations

import ipaddress
import os
import re
import threading
from typing import Any
from urllib.parse import urlsplit

from ..errors import WsapiError

__all__ = ["Endpoint", "parse_callback_url", "management_client"]

_AWS_HOST = re.compile(
    r"^[a-z0-9]+\.execute-api\.(?P<region>[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)\.amazonaws\.com(?:\.cn)?$"
)
_clients: dict[tuple[str, str, int], Any] = {}
_configs: dict[int, Any] = {}  # keeps configs used in keys alive, so their ids stay unique
_lock = threading.Lock()


class Endpoint:
    """A parsed callback URL: what to give boto3 as ``endpoint_url`` and ``region_name``."""

    __slots__ = ("url", "region")

    def __init__(self, url: str, region: str) -> None:
        self.url = url
        self.region = region

    def __repr__(self) -> str:
        return f"Endpoint(url={self.url!r}, region={self.region!r})"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_callback_url(callback_url: str, region_name: str | None = None) -> Endpoint:
    """Check the callback URL and find its region (from the URL for execute-api hosts)."""
    if not isinstance(callback_url, str) or not callback_url:
        raise WsapiError(f"callback_url must be a non-empty string, not {callback_url!r}")
    parts = urlsplit(callback_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WsapiError(
            f"callback_url {callback_url!r} is not an http(s) URL like "
            "https://{api-id}.execute-api.{region}.amazonaws.com/{stage}"
        )
    host = parts.hostname
    match = _AWS_HOST.match(host)
    region = region_name or (match.group("region") if match else None)
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region and _is_loopback(host):
        region = "us-east-1"  # a local emulator does not care; botocore needs one to sign
    if not region:
        raise WsapiError(
            f"cannot tell the AWS region of callback_url {callback_url!r}: "
            "pass region_name=... or set AWS_REGION"
        )
    return Endpoint(callback_url.rstrip("/"), region)


def _default_config() -> Any:
    from botocore.config import Config

    # Standard retry mode retries throttling (429) and 5xx with backoff, never a 410 Gone;
    # the pool is big enough for send_*_to_many's default 16 workers.
    return Config(retries={"mode": "standard"}, max_pool_connections=32)


def management_client(endpoint: Endpoint, config: Any = None) -> Any:
    """The shared ``apigatewaymanagementapi`` client for this endpoint, region and config."""
    key = (endpoint.url, endpoint.region, id(config))
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:
        client = _clients.get(key)
        if client is None:
            import boto3.session

            merged = _default_config() if config is None else _default_config().merge(config)
            # A session per client: boto3's default session is not safe to share across threads.
            client = boto3.session.Session().client(
                "apigatewaymanagementapi",
                endpoint_url=endpoint.url,
                region_name=endpoint.region,
                config=merged,
            )
            if config is not None:
                _configs[id(config)] = config
            _clients[key] = client
    return client


def reset_clients() -> None:
    """Forget the shared clients (after ``os.fork()``, or between mocked test cases)."""
    with _lock:
        _clients.clear()
        _configs.clear()
