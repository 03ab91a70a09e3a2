"""The Shopify sandbox in the core's test world and demo (``hub.sandbox.driver``): a store, so
it files no tickets; it lends its customers to the helpdesks and shows what happened to orders."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import yaml
from hub.errors import HubError
from hub.sandbox.driver import SandboxDriver

SEED = Path(__file__).parent / "seed.yaml"


class ShopifyDriver(SandboxDriver):
    def customers(self):
        shop = yaml.safe_load(SEED.read_text(encoding="utf-8"))
        return [{"name": f"{c['first_name']} {c['last_name']}", "email": c["email"]} for c in shop["customers"]]

    def order_state(self, number):
        try:
            order = self.world.hub.call(f"{self.name}.get_order", self.world.connections[self.name],
                                        {"order_id": f"#{number}"})
        except HubError:
            return None
        titles = {line["id"]: line["name"] for line in order.get("line_items") or ()}
        on_lines = {fli["fulfillment_line_item_id"]: fli["line_item_id"]
                    for f in order.get("fulfillments") or () for fli in f.get("line_items") or ()}
        returned = Counter()
        for opened in order.get("returns") or ():
            for line in opened.get("line_items") or ():
                returned[titles.get(on_lines.get(line.get("fulfillment_line_item_id")), "?")] += line.get("quantity", 0)
        return {"id": order["id"], "refunded": Decimal(str((order.get("refunded") or {}).get("amount") or 0)),
                "cancelled": bool(order.get("cancelled")), "returned": returned,
                "titles": sorted(set(titles.values()))}
