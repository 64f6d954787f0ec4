from django.contrib.auth.models import User
from django.test import TestCase

from orders.models import Order
from shop.models import Product


class AccountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = User.objects.create_user("ada", password="lovelace-1815")

    def test_orders_require_login(self):
        response = self.client.get("/orders/")
        self.assertRedirects(response, "/accounts/login/?next=/orders/")

    def test_login_redirect_is_followed(self):
        response = self.client.get("/orders/account/", follow=True)
        self.assertEqual(response.redirect_chain, [("/accounts/login/?next=/orders/account/", 302)])
        self.assertContains(response, "Log in")

    def test_account_after_force_login(self):
        self.client.force_login(self.user)
        response = self.client.get("/orders/account/")
        self.assertContains(response, "Signed in as ada")

    def test_account_after_password_login(self):
        self.assertTrue(self.client.login(username="ada", password="lovelace-1815"))
        response = self.client.get("/orders/account/")
        self.assertContains(response, "Signed in as ada")

    def test_logout_forgets_the_user(self):
        self.client.force_login(self.user)
        self.client.logout()
        response = self.client.get("/orders/account/")
        self.assertEqual(response.status_code, 302)

    def test_empty_order_list(self):
        self.client.force_login(self.user)
        response = self.client.get("/orders/")
        self.assertContains(response, "No orders yet.")


class PlaceOrderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = User.objects.create_user("grace", password="hopper-1906")
        cls.keyboard = Product.objects.create(sku="KB-01", name="Keyboard", price_cents=4900, stock=12)

    def test_place_order_records_it_locally_and_upstream(self):
        self.client.force_login(self.user)
        response = self.client.post(f"/orders/place/{self.keyboard.pk}/", {"quantity": "2"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/orders/")
        self.assertEqual(Order.objects.count(), 1)
        order = Order.objects.get()
        self.assertEqual((order.user, order.quantity, order.status), (self.user, 2, "received"))

    def test_placed_order_is_listed(self):
        self.client.force_login(self.user)
        response = self.client.post(f"/orders/place/{self.keyboard.pk}/", {"quantity": "3"}, follow=True)
        self.assertContains(response, "3 × Keyboard (received)")

    def test_get_is_not_allowed(self):
        self.client.force_login(self.user)
        response = self.client.get(f"/orders/place/{self.keyboard.pk}/")
        self.assertEqual(response.status_code, 405)
