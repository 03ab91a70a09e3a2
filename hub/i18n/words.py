"""Vendor status codes a customer may read, as the English words the ``status`` filter makes of
them (``PARTIALLY_FULFILLED`` → "partially fulfilled"). Each is a catalogue entry with context
``status``, so "Ihre Bestellung ist teilweise versandt" never reads "partially fulfilled".

The lists are Shopify's (Admin GraphQL ``OrderDisplayFulfillmentStatus``,
``OrderDisplayFinancialStatus``, ``ReturnStatus``) and ServiceNow's requested-item stages and
states (``sc_req_item.stage``, ``state``): the shipped flows show those. A status not
listed here has no translation, and a message showing it hands the request to a person.
"""

from . import NP_

FULFILMENT = (
    NP_("status", "fulfilled"), NP_("status", "in progress"), NP_("status", "on hold"),
    NP_("status", "open"), NP_("status", "partially fulfilled"), NP_("status", "pending fulfillment"),
    NP_("status", "request declined"), NP_("status", "restocked"), NP_("status", "scheduled"),
    NP_("status", "unfulfilled"),
)
PAYMENT = (
    NP_("status", "authorized"), NP_("status", "expired"), NP_("status", "paid"),
    NP_("status", "partially paid"), NP_("status", "partially refunded"), NP_("status", "pending"),
    NP_("status", "refunded"), NP_("status", "voided"),
)
RETURN = (
    NP_("status", "canceled"), NP_("status", "closed"), NP_("status", "declined"),
    NP_("status", "requested"),  # "open" is a fulfilment status too
)
CATALOG_REQUEST = (  # "requested", "open" and "pending" are above
    NP_("status", "waiting for approval"), NP_("status", "request approved"), NP_("status", "fulfillment"),
    NP_("status", "delivery"), NP_("status", "complete"), NP_("status", "closed complete"),
    NP_("status", "closed incomplete"), NP_("status", "closed skipped"), NP_("status", "work in progress"),
)
