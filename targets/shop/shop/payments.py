"""payments: each order's payment state and its ledger (database `payments`).

A payment is `open`, then `paid` or `cancelled`. The ledger records every
charge, refund and cancel. GET /payments/<order> is the read step of pay and of
cancel; POST /payments/<order>/charge and /cancel are their write steps. The
racy build writes the new state blindly (whatever the caller read may be stale
by now); the fixed build makes each write conditional on the state the caller
read (`WHERE state = %s`) and refuses it (409) when that no longer holds.
"""
from flask import jsonify, request

from . import common

app = common.make_app("payments")
DB = None

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS payments (order_id text PRIMARY KEY,"
    " amount bigint NOT NULL, state text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger (id bigserial PRIMARY KEY,"
    " order_id text NOT NULL, kind text NOT NULL, amount bigint NOT NULL)",
]


@app.post("/payments")
def open_payment():
    body = request.get_json()
    order_id, amount = str(body["order_id"]), int(body["amount"])

    def q(cur):
        cur.execute(
            "INSERT INTO payments (order_id, amount, state) VALUES (%s, %s, 'open')"
            " ON CONFLICT (order_id) DO NOTHING",
            (order_id, amount),
        )
        return cur.rowcount

    if DB.run(q) == 0:
        return common.error(409, "payment exists", order_id=order_id)
    return jsonify(order_id=order_id, state="open"), 201


@app.get("/payments/<order_id>")
def read_payment(order_id):
    def q(cur):
        cur.execute(
            "SELECT amount, state FROM payments WHERE order_id = %s", (order_id,)
        )
        return cur.fetchone()

    row = DB.run(q)
    if row is None:
        return common.error(404, "no such payment", order_id=order_id)
    return jsonify(order_id=order_id, amount=row[0], state=row[1])


def transition(order_id, expect, to, entries):
    """Sets the state (conditionally in the fixed build) and writes the ledger
    entries in one transaction; False if the fixed build's condition failed."""

    def q(cur):
        if common.fixed():
            cur.execute(
                "UPDATE payments SET state = %s WHERE order_id = %s AND state = %s",
                (to, order_id, expect),
            )
        else:
            cur.execute(
                "UPDATE payments SET state = %s WHERE order_id = %s", (to, order_id)
            )
        if cur.rowcount == 0:
            return False
        for kind in entries:
            cur.execute(
                "INSERT INTO ledger (order_id, kind, amount) SELECT order_id, %s,"
                " amount FROM payments WHERE order_id = %s",
                (kind, order_id),
            )
        return True

    return DB.run(q)


@app.post("/payments/<order_id>/charge")
def charge(order_id):
    expect = str(request.get_json().get("expect", "open"))
    if not transition(order_id, expect, "paid", ["charge"]):
        return common.error(409, "payment is no longer open", order_id=order_id)
    return jsonify(order_id=order_id, state="paid")


@app.post("/payments/<order_id>/cancel")
def cancel(order_id):
    """Cancels; refunds the charge if the caller saw the payment paid."""
    expect = str(request.get_json()["expect"])
    entries = ["cancel", "refund"] if expect == "paid" else ["cancel"]
    if not transition(order_id, expect, "cancelled", entries):
        return common.error(409, "payment changed", order_id=order_id)
    return jsonify(order_id=order_id, state="cancelled", refunded=expect == "paid")


@app.get("/payments")
def all_payments():
    def q(cur):
        cur.execute(
            "SELECT p.order_id, p.state,"
            " count(*) FILTER (WHERE l.kind = 'charge'),"
            " count(*) FILTER (WHERE l.kind = 'refund'),"
            " count(*) FILTER (WHERE l.kind = 'cancel')"
            " FROM payments p LEFT JOIN ledger l ON l.order_id = p.order_id"
            " GROUP BY p.order_id, p.state ORDER BY p.order_id"
        )
        return cur.fetchall()

    keys = ["order_id", "state", "charges", "refunds", "cancels"]
    return jsonify([dict(zip(keys, row)) for row in DB.run(q)])


def start():
    global DB
    DB = common.db()
    DB.schema(SCHEMA)
    return app
