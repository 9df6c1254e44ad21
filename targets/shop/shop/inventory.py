"""inventory: stock levels and consignments (database `inventory`).

Its endpoints are the read and write steps the other services' races are made
of: GET /stock/<item> (read) and PUT /stock/<item> (blind write-back) for the
lost update, POST /stock/<item>/take (the atomic, fixed write); GET
/consignments/<item> (read) and POST /consignments (insert) for
check-then-insert. In the fixed build the consignments table has a unique
item_id, so a second insert is refused instead of duplicated.
"""
from flask import jsonify, request

from . import common

app = common.make_app("inventory")
DB = None


def schema():
    unique = "UNIQUE" if common.fixed() else ""
    return [
        "CREATE TABLE IF NOT EXISTS stock (item_id text PRIMARY KEY,"
        " stocked bigint NOT NULL, quantity bigint NOT NULL)",
        "CREATE TABLE IF NOT EXISTS consignments (id bigserial PRIMARY KEY,"
        f" item_id text NOT NULL {unique}, seller text NOT NULL)",
    ]


@app.get("/stock/<item_id>")
def read_stock(item_id):
    def q(cur):
        cur.execute("SELECT quantity FROM stock WHERE item_id = %s", (item_id,))
        return cur.fetchone()

    row = DB.run(q)
    if row is None:
        return common.error(404, "no such item", item_id=item_id)
    return jsonify(item_id=item_id, quantity=row[0])


@app.put("/stock/<item_id>")
def write_stock(item_id):
    """The racy write-back: sets the quantity the caller computed."""
    quantity = int(request.get_json()["quantity"])

    def q(cur):
        cur.execute(
            "UPDATE stock SET quantity = %s WHERE item_id = %s", (quantity, item_id)
        )
        return cur.rowcount

    if DB.run(q) == 0:
        return common.error(404, "no such item", item_id=item_id)
    return jsonify(item_id=item_id, quantity=quantity)


@app.post("/stock/<item_id>/take")
def take_stock(item_id):
    """The fixed write: decrement only if enough is left, in one statement."""
    qty = int(request.get_json()["qty"])

    def q(cur):
        cur.execute(
            "UPDATE stock SET quantity = quantity - %s"
            " WHERE item_id = %s AND quantity >= %s",
            (qty, item_id, qty),
        )
        return cur.rowcount

    if DB.run(q) == 0:
        return common.error(409, "out of stock", item_id=item_id)
    return jsonify(item_id=item_id, taken=qty)


@app.post("/stock/<item_id>/restock")
def restock(item_id):
    """Adds stock atomically (both builds): creates the item if new."""
    qty = int(request.get_json()["qty"])

    def q(cur):
        cur.execute(
            "INSERT INTO stock (item_id, stocked, quantity) VALUES (%s, %s, %s)"
            " ON CONFLICT (item_id) DO UPDATE SET stocked = stock.stocked +"
            " EXCLUDED.stocked, quantity = stock.quantity + EXCLUDED.quantity",
            (item_id, qty, qty),
        )

    DB.run(q)
    return jsonify(item_id=item_id, added=qty)


@app.get("/stock")
def all_stock():
    def q(cur):
        cur.execute("SELECT item_id, stocked, quantity FROM stock ORDER BY item_id")
        return cur.fetchall()

    rows = DB.run(q)
    return jsonify([{"item_id": i, "stocked": s, "quantity": n} for i, s, n in rows])


@app.get("/consignments/<item_id>")
def read_consignment(item_id):
    def q(cur):
        cur.execute("SELECT seller FROM consignments WHERE item_id = %s", (item_id,))
        return cur.fetchall()

    sellers = [r[0] for r in DB.run(q)]
    return jsonify(item_id=item_id, exists=bool(sellers), sellers=sellers)


@app.post("/consignments")
def insert_consignment():
    body = request.get_json()
    item_id, seller = str(body["item_id"]), str(body["seller"])
    if common.fixed():
        stmt = (
            "INSERT INTO consignments (item_id, seller) VALUES (%s, %s)"
            " ON CONFLICT (item_id) DO NOTHING"
        )
    else:
        stmt = "INSERT INTO consignments (item_id, seller) VALUES (%s, %s)"

    def q(cur):
        cur.execute(stmt, (item_id, seller))
        return cur.rowcount

    if DB.run(q) == 0:
        return common.error(409, "already consigned", item_id=item_id)
    return jsonify(item_id=item_id, seller=seller), 201


@app.get("/consignments")
def all_consignments():
    def q(cur):
        cur.execute("SELECT item_id, seller FROM consignments ORDER BY id")
        return cur.fetchall()

    return jsonify([{"item_id": i, "seller": s} for i, s in DB.run(q)])


def start():
    global DB
    DB = common.db()
    DB.schema(schema())
    return app
