"""A trimmed Admin GraphQL schema (2026-07): the types, fields and arguments the sandbox serves,
named and typed as Shopify's own schema names them. Fields not listed here answer Shopify's
"Field 'x' doesn't exist on type 'Y'"-style validation error, as the real API does.
"""

SDL = '''
directive @idempotent(key: String!) on FIELD

scalar DateTime
scalar Decimal
scalar UnsignedInt64
scalar URL

enum CurrencyCode { USD EUR GBP CAD }
enum CountryCode { US CA GB DE FR ES }
enum OrderDisplayFinancialStatus { AUTHORIZED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED EXPIRED }
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT REQUEST_DECLINED
  RESTOCKED SCHEDULED UNFULFILLED
}
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
enum OrderSortKeys { CREATED_AT ID NUMBER PROCESSED_AT UPDATED_AT TOTAL_PRICE }
enum CustomerSortKeys { CREATED_AT ID NAME UPDATED_AT }
enum FulfillmentStatus { CANCELLED ERROR FAILURE OPEN PENDING SUCCESS }
enum FulfillmentDisplayStatus {
  ATTEMPTED_DELIVERY CANCELED CONFIRMED DELIVERED FAILURE FULFILLED IN_TRANSIT LABEL_PRINTED
  LABEL_PURCHASED LABEL_VOIDED MARKED_AS_FULFILLED NOT_DELIVERED OUT_FOR_DELIVERY PICKED_UP
  READY_FOR_PICKUP SUBMITTED
}
enum OrderTransactionKind { AUTHORIZATION CAPTURE CHANGE EMV_AUTHORIZATION REFUND SALE SUGGESTED_REFUND VOID }
enum OrderTransactionStatus { AWAITING_RESPONSE ERROR FAILURE PENDING SUCCESS UNKNOWN }
enum RefundLineItemRestockType { CANCEL LEGACY_RESTOCK NO_RESTOCK RETURN }
enum ReturnStatus { CANCELED CLOSED DECLINED OPEN REQUESTED }
enum ReturnReason { COLOR DEFECTIVE NOT_AS_DESCRIBED OTHER SIZE_TOO_LARGE SIZE_TOO_SMALL STYLE UNKNOWN UNWANTED WRONG_ITEM }
enum ReturnErrorCode { BLANK INVALID INVALID_STATE NOT_FOUND INTERNAL_ERROR TOO_LONG }
enum OrderCancelUserErrorCode { INTERNAL_ERROR INVALID NOT_FOUND NO_REFUND_PERMISSION }
enum CustomerState { DECLINED DISABLED ENABLED INVITED }
enum CustomerEmailMarketingState { INVALID NOT_SUBSCRIBED PENDING REDACTED SUBSCRIBED UNSUBSCRIBED }
enum CustomerMarketingOptInLevel { CONFIRMED_OPT_IN SINGLE_OPT_IN UNKNOWN }
enum CustomerEmailMarketingConsentUpdateUserErrorCode { INCLUSION INTERNAL_ERROR INVALID MISSING_ARGUMENT }
enum WebhookSubscriptionFormat { JSON XML }
enum WebhookSubscriptionTopic {
  APP_UNINSTALLED ORDERS_CREATE ORDERS_UPDATED ORDERS_PAID ORDERS_FULFILLED ORDERS_CANCELLED
  FULFILLMENTS_CREATE FULFILLMENTS_UPDATE REFUNDS_CREATE RETURNS_REQUEST RETURNS_APPROVE
  RETURNS_DECLINE RETURNS_CANCEL RETURNS_CLOSE RETURNS_REOPEN
}

interface Node { id: ID! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
type UserError { field: [String!] message: String! }
type Job { id: ID! done: Boolean! }

type Shop {
  id: ID! name: String! email: String! myshopifyDomain: String! currencyCode: CurrencyCode!
  ianaTimezone: String!
}

type MailingAddress {
  id: ID! firstName: String lastName: String name: String company: String address1: String
  address2: String city: String province: String provinceCode: String zip: String country: String
  countryCodeV2: CountryCode phone: String formatted: [String!]!
}

type CustomerEmailAddress {
  emailAddress: String! marketingState: CustomerEmailMarketingState!
  marketingOptInLevel: CustomerMarketingOptInLevel marketingUpdatedAt: DateTime
}
type CustomerEmailMarketingConsentState {
  marketingState: CustomerEmailMarketingState! marketingOptInLevel: CustomerMarketingOptInLevel
  consentUpdatedAt: DateTime
}
type CustomerPhoneNumber { phoneNumber: String! }

type Customer implements Node {
  id: ID! legacyResourceId: UnsignedInt64! firstName: String lastName: String displayName: String!
  email: String phone: String defaultEmailAddress: CustomerEmailAddress
  defaultPhoneNumber: CustomerPhoneNumber defaultAddress: MailingAddress
  numberOfOrders: UnsignedInt64! amountSpent: MoneyV2! createdAt: DateTime! updatedAt: DateTime!
  state: CustomerState! tags: [String!]! note: String
  emailMarketingConsent: CustomerEmailMarketingConsentState
  orders(first: Int, after: String, last: Int, before: String, reverse: Boolean = false,
         sortKey: OrderSortKeys = ID, query: String): OrderConnection!
}
type CustomerEdge { cursor: String! node: Customer! }
type CustomerConnection { edges: [CustomerEdge!]! nodes: [Customer!]! pageInfo: PageInfo! }

type LineItem {
  id: ID! name: String! title: String! sku: String quantity: Int! currentQuantity: Int!
  refundableQuantity: Int! unfulfilledQuantity: Int! requiresShipping: Boolean!
  originalUnitPriceSet: MoneyBag! originalTotalSet: MoneyBag!
}
type LineItemEdge { cursor: String! node: LineItem! }
type LineItemConnection { edges: [LineItemEdge!]! nodes: [LineItem!]! pageInfo: PageInfo! }

type FulfillmentTrackingInfo { company: String number: String url: URL }
type FulfillmentLineItem { id: ID! quantity: Int lineItem: LineItem! }
type FulfillmentLineItemEdge { cursor: String! node: FulfillmentLineItem! }
type FulfillmentLineItemConnection {
  edges: [FulfillmentLineItemEdge!]! nodes: [FulfillmentLineItem!]! pageInfo: PageInfo!
}
type Fulfillment {
  id: ID! legacyResourceId: UnsignedInt64! name: String! status: FulfillmentStatus!
  displayStatus: FulfillmentDisplayStatus createdAt: DateTime! updatedAt: DateTime!
  deliveredAt: DateTime estimatedDeliveryAt: DateTime inTransitAt: DateTime
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
  fulfillmentLineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false):
    FulfillmentLineItemConnection!
  order: Order!
}

type OrderTransaction {
  id: ID! kind: OrderTransactionKind! status: OrderTransactionStatus! gateway: String
  amountSet: MoneyBag! createdAt: DateTime! parentTransaction: OrderTransaction
}
type OrderTransactionEdge { cursor: String! node: OrderTransaction! }
type OrderTransactionConnection {
  edges: [OrderTransactionEdge!]! nodes: [OrderTransaction!]! pageInfo: PageInfo!
}

type RefundLineItem { id: ID! lineItem: LineItem! quantity: Int! restockType: RefundLineItemRestockType! restocked: Boolean! }
type RefundLineItemEdge { cursor: String! node: RefundLineItem! }
type RefundLineItemConnection { edges: [RefundLineItemEdge!]! nodes: [RefundLineItem!]! pageInfo: PageInfo! }
type Refund {
  id: ID! legacyResourceId: UnsignedInt64! createdAt: DateTime note: String
  totalRefundedSet: MoneyBag! order: Order!
  refundLineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false):
    RefundLineItemConnection!
  transactions(first: Int, after: String, last: Int, before: String, reverse: Boolean = false):
    OrderTransactionConnection!
}

interface ReturnLineItemType { id: ID! quantity: Int! returnReasonNote: String! customerNote: String }
type ReturnLineItem implements ReturnLineItemType {
  id: ID! quantity: Int! returnReasonNote: String! customerNote: String
  returnReason: ReturnReason! fulfillmentLineItem: FulfillmentLineItem!
}
type ReturnLineItemTypeEdge { cursor: String! node: ReturnLineItemType! }
type ReturnLineItemTypeConnection {
  edges: [ReturnLineItemTypeEdge!]! nodes: [ReturnLineItemType!]! pageInfo: PageInfo!
}
type Return implements Node {
  id: ID! name: String! status: ReturnStatus! createdAt: DateTime order: Order!
  totalQuantity: Int!
  returnLineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false):
    ReturnLineItemTypeConnection!
}
type ReturnEdge { cursor: String! node: Return! }
type ReturnConnection { edges: [ReturnEdge!]! nodes: [Return!]! pageInfo: PageInfo! }

type Order implements Node {
  id: ID! legacyResourceId: UnsignedInt64! name: String! email: String phone: String
  createdAt: DateTime! updatedAt: DateTime! processedAt: DateTime! cancelledAt: DateTime
  cancelReason: OrderCancelReason closed: Boolean! closedAt: DateTime note: String tags: [String!]!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  currencyCode: CurrencyCode! presentmentCurrencyCode: CurrencyCode!
  subtotalPriceSet: MoneyBag totalPriceSet: MoneyBag! totalShippingPriceSet: MoneyBag!
  totalReceivedSet: MoneyBag! totalRefundedSet: MoneyBag! currentTotalPriceSet: MoneyBag!
  customer: Customer shippingAddress: MailingAddress
  lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): LineItemConnection!
  fulfillments(first: Int): [Fulfillment!]!
  refunds(first: Int): [Refund!]!
  transactions(first: Int, capturable: Boolean, manuallyResolvable: Boolean): [OrderTransaction!]!
  returns(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, query: String):
    ReturnConnection!
}
type OrderEdge { cursor: String! node: Order! }
type OrderConnection { edges: [OrderEdge!]! nodes: [Order!]! pageInfo: PageInfo! }

type WebhookSubscription {
  id: ID! topic: WebhookSubscriptionTopic! uri: String! format: WebhookSubscriptionFormat!
  createdAt: DateTime! updatedAt: DateTime! apiVersion: String! includeFields: [String!]!
}
type WebhookSubscriptionEdge { cursor: String! node: WebhookSubscription! }
type WebhookSubscriptionConnection {
  edges: [WebhookSubscriptionEdge!]! nodes: [WebhookSubscription!]! pageInfo: PageInfo!
}

input CustomerIdentifierInput { id: ID emailAddress: String phoneNumber: String customId: UniqueMetafieldValueInput }
input UniqueMetafieldValueInput { namespace: String key: String! value: String! }

type QueryRoot {
  shop: Shop!
  order(id: ID!): Order
  orders(first: Int, after: String, last: Int, before: String, reverse: Boolean = false,
         sortKey: OrderSortKeys = ID, query: String): OrderConnection!
  customer(id: ID!): Customer
  customers(first: Int, after: String, last: Int, before: String, reverse: Boolean = false,
            sortKey: CustomerSortKeys = ID, query: String): CustomerConnection!
  customerByIdentifier(identifier: CustomerIdentifierInput!): Customer
  return(id: ID!): Return
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  webhookSubscriptions(first: Int, after: String, last: Int, before: String, reverse: Boolean = false,
                       topics: [WebhookSubscriptionTopic!]): WebhookSubscriptionConnection!
}

input RefundLineItemInput { lineItemId: ID! quantity: Int! restockType: RefundLineItemRestockType locationId: ID }
input ShippingRefundInput { amount: Money fullRefund: Boolean }
input OrderTransactionInput { orderId: ID! parentId: ID amount: Money! gateway: String! kind: OrderTransactionKind! }
input RefundInput {
  orderId: ID! note: String notify: Boolean currency: CurrencyCode
  refundLineItems: [RefundLineItemInput!] shipping: ShippingRefundInput
  transactions: [OrderTransactionInput!] allowOverRefunding: Boolean = false processedAt: DateTime
}
scalar Money
type RefundCreatePayload { order: Order refund: Refund userErrors: [UserError!]! }

type ReturnUserError { field: [String!] message: String! code: ReturnErrorCode }
input ReturnLineItemInput {
  fulfillmentLineItemId: ID! quantity: Int! returnReason: ReturnReason returnReasonNote: String
  returnReasonDefinitionId: ID
}
input ReturnInput {
  orderId: ID! returnLineItems: [ReturnLineItemInput!]! requestedAt: DateTime notifyCustomer: Boolean
}
type ReturnCreatePayload { return: Return userErrors: [ReturnUserError!]! }
input ReturnRequestLineItemInput {
  fulfillmentLineItemId: ID! quantity: Int! returnReason: ReturnReason customerNote: String
  returnReasonDefinitionId: ID
}
input ReturnRequestInput { orderId: ID! returnLineItems: [ReturnRequestLineItemInput!]! }
type ReturnRequestPayload { return: Return userErrors: [ReturnUserError!]! }
input ReturnApproveRequestInput { id: ID! notifyCustomer: Boolean }
type ReturnApproveRequestPayload { return: Return userErrors: [ReturnUserError!]! }

input OrderCancelStoreCreditRefundInput { expiresAt: DateTime }
input OrderCancelRefundMethodInput { originalPaymentMethodsRefund: Boolean storeCreditRefund: OrderCancelStoreCreditRefundInput }
type OrderCancelUserError { field: [String!] message: String! code: OrderCancelUserErrorCode }
type OrderCancelPayload { job: Job orderCancelUserErrors: [OrderCancelUserError!]! userErrors: [UserError!]! }

input MailingAddressInput {
  firstName: String lastName: String company: String address1: String address2: String city: String
  provinceCode: String zip: String countryCode: CountryCode phone: String
}
input OrderInput { id: ID! email: String note: String tags: [String!] shippingAddress: MailingAddressInput }
type OrderUpdatePayload { order: Order userErrors: [UserError!]! }

input CustomerInput {
  id: ID firstName: String lastName: String email: String phone: String note: String tags: [String!]
}
type CustomerUpdatePayload { customer: Customer userErrors: [UserError!]! }
input CustomerEmailMarketingConsentInput {
  marketingState: CustomerEmailMarketingState! marketingOptInLevel: CustomerMarketingOptInLevel
  consentUpdatedAt: DateTime
}
input CustomerEmailMarketingConsentUpdateInput {
  customerId: ID! emailMarketingConsent: CustomerEmailMarketingConsentInput!
}
type CustomerEmailMarketingConsentUpdateUserError {
  field: [String!] message: String! code: CustomerEmailMarketingConsentUpdateUserErrorCode
}
type CustomerEmailMarketingConsentUpdatePayload {
  customer: Customer userErrors: [CustomerEmailMarketingConsentUpdateUserError!]!
}

input WebhookSubscriptionInput {
  uri: String callbackUrl: URL format: WebhookSubscriptionFormat includeFields: [String!] filter: String
}
type WebhookSubscriptionCreatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }

type Mutation {
  refundCreate(input: RefundInput!): RefundCreatePayload
  returnCreate(returnInput: ReturnInput!): ReturnCreatePayload
  returnRequest(input: ReturnRequestInput!): ReturnRequestPayload
  returnApproveRequest(input: ReturnApproveRequestInput!): ReturnApproveRequestPayload
  orderCancel(orderId: ID!, reason: OrderCancelReason!, refund: Boolean, refundMethod: OrderCancelRefundMethodInput,
              restock: Boolean!, notifyCustomer: Boolean, staffNote: String): OrderCancelPayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
  customerUpdate(input: CustomerInput!): CustomerUpdatePayload
  customerEmailMarketingConsentUpdate(input: CustomerEmailMarketingConsentUpdateInput!):
    CustomerEmailMarketingConsentUpdatePayload
  webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!):
    WebhookSubscriptionCreatePayload
}

schema { query: QueryRoot mutation: Mutation }
'''
