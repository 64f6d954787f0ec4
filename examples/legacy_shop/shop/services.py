"""Upstream reads shared by views, written later, on httpx already: one GET each, decoded."""

import httpx
from django.conf import settings


async def _get_json(client: httpx.AsyncClient, path: str):
    response = await client.get(settings.UPSTREAM_URL + path)
    response.raise_for_status()
    return response.json()


async def fetch_rates(client: httpx.AsyncClient):
    return await _get_json(client, "/rates")


async def fetch_stock(client: httpx.AsyncClient):
    data = await _get_json(client, "/stock")
    return data["levels"]


async def fetch_rating(client: httpx.AsyncClient):
    data = await _get_json(client, "/reviews")
    return data["average"]
