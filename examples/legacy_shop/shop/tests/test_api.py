"""pytest-django tests (the `client` fixture)."""

import pytest

from orders.models import Order
from shop.models import Product


def test_rates(client):
    response = client.get("/api/rates/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["GBP"] == 0.86


def test_about(client):
    assert b"since 2009" in client.get("/about/").content


@pytest.mark.django_db
def test_count_of_an_empty_catalogue(client):
    assert client.get("/api/count/").json() == {"count": 0}


@pytest.mark.django_db
def test_count_with_products(client):
    Product.objects.create(sku="KB-01", name="Keyboard", price_cents=4900, stock=12)
    assert client.get("/api/count/").json() == {"count": 1}


@pytest.mark.django_db
def test_low_stock(client):
    # Before the migration the view's sync queries raise SynchronousOnlyOperation.
    Product.objects.create(sku="KB-01", name="Keyboard", price_cents=4900, stock=12)
    Product.objects.create(sku="HD-03", name="Headset", price_cents=8900, stock=4)
    Product.objects.create(sku="MS-02", name="Mouse", price_cents=1950, stock=0)
    assert client.get("/api/low-stock/").json() == {
        "count": 2,
        "products": [{"sku": "MS-02", "stock": 0}, {"sku": "HD-03", "stock": 4}],
    }


@pytest.mark.django_db
def test_restock(client):
    Product.objects.create(sku="KB-01", name="Keyboard", price_cents=4900, stock=12)
    Product.objects.create(sku="MS-02", name="Mouse", price_cents=1950, stock=0)
    assert client.get("/api/restock/").json() == {"to_order": 1, "of": 2, "skus": ["MS-02"]}


@pytest.mark.django_db
def test_product_list_redirects_without_trailing_slash(client):
    response = client.get("/about", follow=True)
    assert response.redirect_chain == [("/about/", 301)]
    assert b"About us" in response.content


@pytest.mark.django_db
def test_order_placed_by_a_logged_in_customer(client, django_user_model):
    customer = django_user_model.objects.create_user("linus", password="penguin-1991")
    headset = Product.objects.create(sku="HD-03", name="Headset", price_cents=8900, stock=4)
    client.force_login(customer)
    response = client.post(f"/orders/place/{headset.pk}/", {"quantity": "1"}, HTTP_X_REQUEST_ID="req-7")
    assert response.status_code == 302 and response["Location"] == "/orders/"
    assert Order.objects.filter(user=customer, status="received").count() == 1
