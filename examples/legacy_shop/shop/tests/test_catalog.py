from django.test import TestCase

from shop.models import Product


class CatalogPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.keyboard = Product.objects.create(sku="KB-01", name="Keyboard", price_cents=4900, stock=12)
        cls.mouse = Product.objects.create(sku="MS-02", name="Mouse", price_cents=1950, stock=0)

    def test_product_list_shows_every_product(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Keyboard")
        self.assertContains(response, "19.50 EUR")

    def test_product_detail_page(self):
        response = self.client.get(f"/products/{self.keyboard.pk}/")
        self.assertContains(response, "SKU KB-01")
        self.assertTemplateUsed(response, "shop/product_detail.html")

    def test_product_detail_as_json(self):
        response = self.client.get(f"/products/{self.mouse.pk}/", HTTP_ACCEPT="application/json")
        self.assertEqual(response.json(), {"sku": "MS-02", "name": "Mouse", "price": "19.50"})

    def test_missing_product_is_404(self):
        response = self.client.get("/products/999/")
        self.assertEqual(response.status_code, 404)

    def test_stock_badge(self):
        self.assertEqual(self.client.get(f"/products/{self.mouse.pk}/stock/").json()["in_stock"], False)

    def test_summary_embeds_stock_badge(self):
        response = self.client.get(f"/products/{self.keyboard.pk}/summary/")
        self.assertContains(response, "&quot;in_stock&quot;: true")

    def test_reviews_page_and_post(self):
        page = self.client.get(f"/products/{self.keyboard.pk}/reviews/")
        self.assertContains(page, "Reviews of Keyboard")
        posted = self.client.post(f"/products/{self.keyboard.pk}/reviews/", {"text": "Clicky"})
        self.assertEqual(posted.json(), {"pk": self.keyboard.pk, "received": "Clicky", "count": 128})

    def test_count_after_adding_a_product(self):
        Product.objects.create(sku="HD-03", name="Headset", price_cents=8900, stock=4)
        response = self.client.get("/api/count/")
        self.assertEqual(response.json(), {"count": 3})

    def test_about_page(self):
        response = self.client.get("/about/")
        self.assertContains(response, "since 2009")

    def test_product_by_sku(self):
        # Before the migration the view's sync query raises SynchronousOnlyOperation.
        response = self.client.get("/api/products/KB-01/")
        self.assertEqual(response.json(), {"sku": "KB-01", "name": "Keyboard", "stock": 12})

    def test_price_range(self):
        response = self.client.get("/api/price-range/")
        self.assertEqual(response.json(), {"cheapest": "MS-02", "dearest": "KB-01", "skus": ["MS-02", "KB-01"]})


class UpstreamApiTests(TestCase):
    def test_dashboard_combines_three_services(self):
        response = self.client.get("/api/dashboard/", HTTP_X_REQUEST_ID="req-42")
        body = response.json()
        self.assertEqual(body["rates"]["USD"], 1.08)
        self.assertEqual(body["stock"]["levels"]["KB-01"], 12)
        self.assertEqual(body["reviews"]["count"], 128)
        self.assertEqual(response["X-Request-ID"], "req-42")

    def test_storefront_in_pounds(self):
        response = self.client.get("/api/storefront/", {"currency": "GBP"})
        self.assertEqual(response.json(), {"currency": "GBP", "rate": 0.86, "levels": {"KB-01": 12, "MS-02": 0, "HD-03": 4}, "rating": 4.4})

    def test_overview_through_the_services(self):
        response = self.client.get("/api/overview/")
        body = response.json()
        self.assertEqual(body["rates"]["GBP"], 0.86)
        self.assertEqual(body["levels"], {"KB-01": 12, "MS-02": 0, "HD-03": 4})
        self.assertEqual(body["rating"], 4.4)

    def test_extras(self):
        response = self.client.get("/api/extras/")
        self.assertEqual(response.json(), {"recommended": ["MS-02", "HD-03"], "promotions": ["SPRING10"], "shipping_days": 2})
