"""Django TestCase tests of the back office (self.client)."""

from django.test import TestCase

from shop.models import Product


class BackofficeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Product.objects.create(sku="KB-01", name="Keyboard", price_cents=4900, stock=12)
        Product.objects.create(sku="HD-03", name="Headset", price_cents=8900, stock=4)
        Product.objects.create(sku="MS-02", name="Mouse", price_cents=1950, stock=0)

    def test_partner_dashboard(self):
        response = self.client.get("/backoffice/dashboard/")
        self.assertEqual(
            response.json(),
            {
                "currencies": ["EUR", "GBP", "USD", "base"],
                "warehouse": "north",
                "levels": {"KB-01": 12, "MS-02": 0, "HD-03": 4},
                "rating": 4.4,
            },
        )

    def test_supplier_status(self):
        response = self.client.get("/backoffice/suppliers/")
        self.assertEqual(response.json(), {"out_of_stock": ["MS-02"], "carrier": "ParcelCo", "days": 2})

    def test_restock_order_goes_upstream(self):
        response = self.client.post("/backoffice/suppliers/", {"sku": "MS-02", "quantity": "20"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            response.json(), {"reference": "restock-MS-02", "sku": "MS-02", "quantity": 20, "status": "received"}
        )

    def test_stock_report_lists_the_products_running_low(self):
        response = self.client.get("/backoffice/stock-report/")
        self.assertContains(response, "Warehouse north · recommended: MS-02, HD-03")
        self.assertContains(response, "<tr><td>MS-02</td><td>Mouse</td><td>0</td></tr>", html=False)
        self.assertContains(response, "<tr><td>HD-03</td><td>Headset</td><td>4</td></tr>", html=False)
        self.assertNotContains(response, "Keyboard")
        content = response.content.decode()
        self.assertLess(content.index("MS-02</td>"), content.index("HD-03</td>"))

    def test_promotions_feed_is_audited(self):
        with self.assertLogs("backoffice.audit", "INFO") as logs:
            response = self.client.get("/backoffice/promotions/")
        self.assertEqual(response.json(), {"codes": ["SPRING10"], "skus": ["MS-02", "HD-03"]})
        self.assertEqual(logs.output, ["INFO:backoffice.audit:GET /backoffice/promotions/ -> 200"])

    def test_shipping_estimate(self):
        response = self.client.get("/backoffice/shipping/")
        self.assertEqual(response.json(), {"carrier": "ParcelCo", "days": 2})
