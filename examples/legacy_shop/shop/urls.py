from django.urls import path

from shop import views

app_name = "shop"

urlpatterns = [
    path("", views.ProductListView.as_view(), name="list"),
    path("about/", views.about, name="about"),
    path("products/<int:pk>/", views.product_detail, name="detail"),
    path("products/<int:pk>/stock/", views.product_stock, name="stock"),
    path("products/<int:pk>/summary/", views.product_summary, name="summary"),
    path("products/<int:pk>/reviews/", views.ProductReviewsView.as_view(), name="reviews"),
    path("api/count/", views.product_count, name="count"),
    path("api/rates/", views.rates, name="rates"),
    path("api/dashboard/", views.dashboard, name="dashboard"),
    path("api/storefront/", views.storefront, name="storefront"),
    path("api/extras/", views.extras, name="extras"),
    path("api/overview/", views.overview, name="overview"),
    path("api/products/<str:sku>/", views.product_by_sku, name="by-sku"),
    path("api/low-stock/", views.low_stock, name="low-stock"),
    path("api/price-range/", views.price_range, name="price-range"),
    path("api/restock/", views.restock, name="restock"),
]
