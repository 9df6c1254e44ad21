"""The shop: a small traced microservice system that rjepsen tests (docs/shop.md).

Four Flask services (orders, inventory, payments, consign) over PostgreSQL, one
database per stateful service. Each service reaches the others and its database
only through the addresses given in its environment, so that a proxy can sit on
every hop. Three races are built in on purpose; SHOP_FIXED=1 selects the correct
variant of each (the negative control).
"""
