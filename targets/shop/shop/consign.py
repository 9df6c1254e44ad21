"""consign: the front service that takes consignments (stateless).

POST /consign {item_id, seller} checks with inventory whether the item is
already consigned (the read hop, GET /consignments/<item>) and, if not, inserts
it (the write hop, POST /consignments). Two concurrent consigns of one item can
both pass the check: check-then-insert. The fixed build keeps the same hops; the
unique constraint behind the insert refuses the second one (409).
"""
from flask import jsonify, request

from . import common

app = common.make_app("consign")
INVENTORY = None


@app.post("/consign")
def consign():
    body = request.get_json()
    item_id, seller = str(body["item_id"]), str(body["seller"])
    status, found = common.call("GET", INVENTORY, f"/consignments/{item_id}")
    if status != 200:
        return common.error(502, "inventory check failed", upstream=found)
    if found.get("exists"):
        return common.error(409, "already consigned", item_id=item_id)
    status, made = common.call(
        "POST", INVENTORY, "/consignments", {"item_id": item_id, "seller": seller}
    )
    if status == 409:
        return common.error(409, "already consigned", item_id=item_id)
    if status != 201:
        return common.error(502, "inventory insert failed", upstream=made)
    return jsonify(item_id=item_id, seller=seller), 201


def start():
    global INVENTORY
    INVENTORY = common.url("inventory")
    return app
