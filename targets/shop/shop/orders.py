"""orders: the front service for buying, paying and cancelling (database `orders`).

POST /buy reads the item's stock from inventory (read hop), checks it, and
writes it back (write hop): in the racy build the quantity it computed (PUT
/stock/<item>: a lost update when two buys overlap), in the fixed build an
atomic conditional decrement (POST /stock/<item>/take). It then records the
order and opens its payment. POST /orders/<id>/pay and /cancel each read the
payment's state from payments (read hop) and then change it (write hop), so a
pay and a cancel of one order can both act on the same `open` state.
"""
from flask import jsonify, request

from . import common

app = common.make_app("orders")
DB = None
INVENTORY = None
PAYMENTS = None

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS orders (order_id text PRIMARY KEY,"
    " item_id text NOT NULL, qty bigint NOT NULL)",
]


def take(item_id, qty, quantity):
    """The write step of a buy; returns the inventory's (status, body)."""
    if common.fixed():
        return common.call("POST", INVENTORY, f"/stock/{item_id}/take", {"qty": qty})
    body = {"quantity": quantity - qty}
    return common.call("PUT", INVENTORY, f"/stock/{item_id}", body)


@app.post("/buy")
def buy():
    body = request.get_json()
    order_id, item_id = str(body["order_id"]), str(body["item_id"])
    qty = int(body.get("qty", 1))
    status, stock = common.call("GET", INVENTORY, f"/stock/{item_id}")
    if status != 200:
        return common.error(status if status == 404 else 502, "stock read failed")
    if stock["quantity"] < qty:
        return common.error(409, "out of stock", item_id=item_id)
    status, taken = take(item_id, qty, stock["quantity"])
    if status == 409:
        return common.error(409, "out of stock", item_id=item_id)
    if status != 200:
        return common.error(502, "stock write failed", upstream=taken)

    def q(cur):
        cur.execute(
            "INSERT INTO orders (order_id, item_id, qty) VALUES (%s, %s, %s)",
            (order_id, item_id, qty),
        )

    DB.run(q)
    status, paid = common.call(
        "POST", PAYMENTS, "/payments", {"order_id": order_id, "amount": qty * 10}
    )
    if status != 201:
        return common.error(502, "payment open failed", upstream=paid)
    return jsonify(order_id=order_id, item_id=item_id, qty=qty), 201


def payment_state(order_id):
    status, payment = common.call("GET", PAYMENTS, f"/payments/{order_id}")
    if status != 200:
        return None, common.error(404 if status == 404 else 502, "no payment")
    return payment["state"], None


@app.post("/orders/<order_id>/pay")
def pay(order_id):
    state, err = payment_state(order_id)
    if err:
        return err
    if state != "open":
        return common.error(409, f"order is {state}", order_id=order_id)
    status, done = common.call(
        "POST", PAYMENTS, f"/payments/{order_id}/charge", {"expect": "open"}
    )
    if status != 200:
        return common.error(409 if status == 409 else 502, "charge refused", upstream=done)
    return jsonify(order_id=order_id, state="paid")


@app.post("/orders/<order_id>/cancel")
def cancel(order_id):
    state, err = payment_state(order_id)
    if err:
        return err
    if state == "cancelled":
        return common.error(409, "order is cancelled", order_id=order_id)
    status, done = common.call(
        "POST", PAYMENTS, f"/payments/{order_id}/cancel", {"expect": state}
    )
    if status != 200:
        return common.error(409 if status == 409 else 502, "cancel refused", upstream=done)
    return jsonify(order_id=order_id, state="cancelled", refunded=done.get("refunded"))


@app.get("/orders")
def all_orders():
    def q(cur):
        cur.execute("SELECT order_id, item_id, qty FROM orders ORDER BY order_id")
        return cur.fetchall()

    return jsonify([{"order_id": o, "item_id": i, "qty": n} for o, i, n in DB.run(q)])


def start():
    global DB, INVENTORY, PAYMENTS
    DB = common.db()
    INVENTORY = common.url("inventory")
    PAYMENTS = common.url("payments")
    DB.schema(SCHEMA)
    return app
