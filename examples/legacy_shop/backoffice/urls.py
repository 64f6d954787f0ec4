from django.urls import path

from backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("dashboard/", views.partner_dashboard, name="dashboard"),
    path("suppliers/", views.SupplierStatusView.as_view(), name="suppliers"),
    path("stock-report/", views.stock_report, name="stock-report"),
    path("promotions/", views.promotions_feed, name="promotions"),
    path("shipping/", views.shipping_estimate, name="shipping"),
]
