"""/metrics is for the monitoring network (loopback by default) or a configured token only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from collab.settings import from_env
from tests.support.server import ServerThread, make_settings

pytestmark = pytest.mark.anyio


async def test_loopback_is_served_by_default(http: httpx.AsyncClient) -> None:
    answer = await http.get("/metrics")
    assert answer.status_code == 200 and "collab_connections" in answer.text


async def test_a_client_behind_a_local_proxy_is_not_served(http: httpx.AsyncClient) -> None:
    """A reverse proxy on the same machine relays an outside client: uvicorn takes the client's
    address from X-Forwarded-For, and that address is not in the monitoring networks."""
    answer = await http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert answer.status_code == 404
    assert "collab_" not in answer.text


async def test_outside_the_networks_only_the_token_is_served(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", metrics_networks=("10.0.0.0/8",), metrics_token="s3cret-metrics")
    with ServerThread(settings) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
            assert (await http.get("/metrics")).status_code == 404
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 404
            right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
            assert right.status_code == 200 and "collab_connections" in right.text
            assert (await http.get("/healthz")).status_code == 200  # liveness stays open


def test_networks_from_the_environment() -> None:
    settings = from_env({"COLLAB_METRICS_NETWORKS": "10.1.0.0/16, 192.168.0.10", "COLLAB_METRICS_TOKEN": "t"})
    assert settings.metrics_networks == ("10.1.0.0/16", "192.168.0.10")
    assert from_env({}).metrics_networks == ("127.0.0.0/8", "::1/128")
    with pytest.raises(ValueError, match="COLLAB_METRICS_NETWORKS"):
        from_env({"COLLAB_METRICS_NETWORKS": "partout"})
