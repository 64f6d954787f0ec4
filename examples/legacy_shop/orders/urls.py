from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("account/", views.account, name="account"),
    path("place/<int:pk>/", views.place_order, name="place"),
]
