"""pytest-django tests of the back office (the `client` fixture)."""

import logging

import pytest

from shop.models import Product


def test_partner_dashboard(client):
    body = client.get("/backoffice/dashboard/").json()
    assert body["currencies"] == ["EUR", "GBP", "USD", "base"]
    assert body["levels"]["HD-03"] == 4 and body["rating"] == 4.4


def test_supplier_status(client):
    response = client.get("/backoffice/suppliers/")
    assert response.status_code == 200
    assert response.json()["out_of_stock"] == ["MS-02"]


def test_restock_order_without_a_quantity(client):
    response = client.post("/backoffice/suppliers/", {"sku": "HD-03"})
    assert response.status_code == 201
    assert response.json() == {"reference": "restock-HD-03", "sku": "HD-03", "quantity": 10, "status": "received"}


@pytest.mark.django_db
def test_stock_report_with_nothing_low(client):
    Product.objects.create(sku="KB-01", name="Keyboard", price_cents=4900, stock=12)
    response = client.get("/backoffice/stock-report/")
    assert response.status_code == 200
    assert b"Nothing runs low." in response.content and b"Keyboard" not in response.content


def test_promotions_feed_is_audited(client, caplog):
    with caplog.at_level(logging.INFO, logger="backoffice.audit"):
        response = client.get("/backoffice/promotions/")
    assert response.json()["codes"] == ["SPRING10"]
    assert caplog.messages == ["GET /backoffice/promotions/ -> 200"]


def test_shipping_estimate(client):
    assert client.get("/backoffice/shipping/").json() == {"carrier": "ParcelCo", "days": 2}
