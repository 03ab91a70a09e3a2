"""Zendesk Support API routes of the sandbox: tickets, comments, users, groups, search,
Help Center articles and webhooks, each at ``/api/v2/...`` with and without ``.json``."""

import secrets
import uuid
from urllib.parse import urlsplit

import flask

from . import records
from .pages import offset_page, paginate
from .responses import ApiError, json_body, not_found, record_invalid
from .search import search_articles, search_records

READ = ("read",)
#: Zendesk's search returns at most this many results, however it is paged.
SEARCH_RESULT_LIMIT = 1000
WRITE = ("write",)


def add_routes(sandbox, outbox):
    app = sandbox.app
    data = sandbox.data

    def route(rule, methods, scopes):
        """Register ``rule`` and ``rule.json`` (zenpy uses the suffix) behind ``scopes``."""

        def decorator(view):
            guarded = sandbox.require_token(*scopes)(view)
            for path in (rule, rule + ".json"):
                app.add_url_rule(path, view.__name__, guarded, methods=methods)
            return view

        return decorator

    def base():
        return flask.request.host_url

    def actor_id():
        return int(sandbox.current_token().user.id)

    # -- tickets ------------------------------------------------------------------------

    @route("/api/v2/tickets", ["GET"], READ + ("tickets:read",))
    def list_tickets():
        external_id = flask.request.args.get("external_id")
        field, descending = ticket_order(flask.request.args)
        with sandbox.lock:
            rows = [t for t in data["tickets"] if external_id is None or t.get("external_id") == external_id]
            tickets = [records.render_ticket(data, t, base()) for t in sorted(rows, key=lambda t: t["id"])]
        # Every ticket has these fields; the sort is stable, so ties keep id order either way.
        tickets.sort(key=lambda t: t[field], reverse=descending)
        return flask.jsonify(paginate(tickets, "tickets"))

    @route("/api/v2/tickets", ["POST"], WRITE + ("tickets:write",))
    def create_ticket():
        fields = json_body("ticket")
        with sandbox.lock:
            ticket, audit, changes = records.create_ticket(data, fields, actor_id())
            rendered = records.render_ticket(data, ticket, base())
            outbox.publish(ticket, [("created", None, None)] + changes, actor_id())
        response = flask.jsonify(ticket=rendered, audit=audit)
        response.status_code = 201
        response.headers["Location"] = rendered["url"]
        return response

    @route("/api/v2/tickets/<int:ticket_id>", ["GET"], READ + ("tickets:read",))
    def show_ticket(ticket_id):
        with sandbox.lock:
            ticket = records.ticket_or_404(data, ticket_id)
            return flask.jsonify(ticket=records.render_ticket(data, ticket, base()))

    @route("/api/v2/tickets/<int:ticket_id>", ["PUT"], WRITE + ("tickets:write",))
    def update_ticket(ticket_id):
        fields = json_body("ticket")
        with sandbox.lock:
            ticket = records.ticket_or_404(data, ticket_id)
            audit, changes = records.update_ticket(data, ticket, fields, actor_id())
            outbox.publish(ticket, changes, actor_id())
            return flask.jsonify(ticket=records.render_ticket(data, ticket, base()), audit=audit)

    @route("/api/v2/tickets/<int:ticket_id>/comments", ["GET"], READ + ("tickets:read",))
    def list_comments(ticket_id):
        with sandbox.lock:
            ticket = records.ticket_or_404(data, ticket_id)
            comments = [records.render_comment(c) for c in ticket["comments"]]
        if flask.request.args.get("sort_order") == "desc":
            comments.reverse()
        return flask.jsonify(paginate(comments, "comments"))

    @route("/api/v2/users/<int:user_id>/tickets/requested", ["GET"], READ + ("tickets:read",))
    def requested_tickets(user_id):
        with sandbox.lock:
            if records.find(data["users"], user_id) is None:
                raise not_found()
            rows = sorted((t for t in data["tickets"] if t["requester_id"] == user_id), key=lambda t: t["id"])
            tickets = [records.render_ticket(data, t, base()) for t in rows]
        return flask.jsonify(paginate(tickets, "tickets"))

    # -- users and groups -------------------------------------------------------------------

    @route("/api/v2/users", ["GET"], READ + ("users:read",))
    def list_users():
        with sandbox.lock:
            users = [records.render_user(u, base()) for u in data["users"]]
        return flask.jsonify(paginate(users, "users"))

    @route("/api/v2/users/search", ["GET"], READ + ("users:read",))
    def search_users():
        args = flask.request.args
        query, external_id = args.get("query", "").strip(), args.get("external_id")
        if not query and external_id is None:
            raise ApiError(400, "InvalidSearchParameter", "Supply a query or an external_id")
        with sandbox.lock:
            if external_id is not None:
                rows = [u for u in data["users"] if u.get("external_id") == external_id]
            else:
                rows = [r for kind, r in search_records(data, f"type:user {query}", me=actor_id()) if kind == "user"]
            users = [records.render_user(u, base()) for u in rows]
        return flask.jsonify(offset_page(users, "users"))

    @route("/api/v2/users/me", ["GET"], READ + ("users:read",))
    def show_me():
        """The user the token acts for (zenpy's ``users.me()``)."""
        with sandbox.lock:
            user = records.find(data["users"], actor_id())
            if user is None:
                raise not_found()
            return flask.jsonify(user=records.render_user(user, base()))

    @route("/api/v2/users/<int:user_id>", ["GET"], READ + ("users:read",))
    def show_user(user_id):
        with sandbox.lock:
            user = records.find(data["users"], user_id)
            if user is None:
                raise not_found()
            return flask.jsonify(user=records.render_user(user, base()))

    @route("/api/v2/groups", ["GET"], READ)
    def list_groups():
        with sandbox.lock:
            groups = [records.render_group(g, base()) for g in data["groups"]]
        return flask.jsonify(paginate(groups, "groups"))

    @route("/api/v2/groups/<int:group_id>", ["GET"], READ)
    def show_group(group_id):
        with sandbox.lock:
            group = records.find(data["groups"], group_id)
            if group is None:
                raise not_found()
            return flask.jsonify(group=records.render_group(group, base()))

    @route("/api/v2/search", ["GET"], READ)
    def unified_search():
        query = flask.request.args.get("query", "").strip()
        if not query:
            raise ApiError(400, "InvalidSearchParameter", "The query parameter is required")
        render = {"ticket": lambda row: records.render_ticket(data, row, base()),
                  "user": lambda row: records.render_user(row, base()),
                  "group": lambda row: records.render_group(row, base())}
        args = flask.request.args
        if args.get("filter[type]"):  # zenpy sends type:X both in the query and as this filter
            query = f"{query} type:{args['filter[type]']}"
        with sandbox.lock:
            found = search_records(data, query, sort_by=args.get("sort_by"), sort_order=args.get("sort_order"),
                                   me=actor_id())
            results = [dict(render[kind](row), result_type=kind) for kind, row in found]
        page = offset_page(results, "results")  # validates page and per_page
        args = flask.request.args
        if int(args.get("page", "1")) * int(args.get("per_page", "100")) > SEARCH_RESULT_LIMIT:
            raise ApiError(422, "invalid", "Invalid search: Requested response size was greater than Search Response Limits")
        page["facets"] = None
        return flask.jsonify(page)

    # -- Help Center ------------------------------------------------------------------------

    def author():
        return sandbox.oauth.user.id

    @route("/api/v2/help_center/articles", ["GET"], READ + ("hc:read",))
    def list_articles():
        with sandbox.lock:
            articles = [records.render_article(a, base(), author()) for a in data["articles"]]
        return flask.jsonify(paginate(articles, "articles"))

    @route("/api/v2/help_center/<locale>/articles", ["GET"], READ + ("hc:read",))
    def list_localized_articles(locale):
        if locale.lower() != "en-us":
            return flask.jsonify(paginate([], "articles"))
        return list_articles()

    @route("/api/v2/help_center/articles/<int:article_id>", ["GET"], READ + ("hc:read",))
    def show_article(article_id):
        with sandbox.lock:
            article = records.find(data["articles"], article_id)
            if article is None:
                raise not_found()
            return flask.jsonify(article=records.render_article(article, base(), author()))

    @route("/api/v2/help_center/articles/search", ["GET"], READ + ("hc:read",))
    def search_help_center():
        args = flask.request.args
        query, labels = args.get("query", "").strip(), args.get("label_names", "").strip()
        if not query and not labels:
            raise ApiError(400, "InvalidSearchParameter", "Supply query or label_names")
        with sandbox.lock:
            hits = search_articles(data, query, [l for l in labels.split(",") if l])
            results = [dict(records.render_article(a, base(), author()), snippet=snippet,
                            result_type="article") for a, snippet in hits]
        page = offset_page(results, "results")
        per_page = int(args.get("per_page", "100"))
        page.update(page=int(args.get("page", "1")), per_page=per_page,
                    page_count=max(1, -(-len(results) // per_page)))
        return flask.jsonify(page)

    # -- webhooks ---------------------------------------------------------------------------

    def webhook_or_404(webhook_id):
        hook = next((w for w in data.setdefault("webhooks", []) if w["id"] == webhook_id), None)
        if hook is None:
            raise not_found()
        return hook

    def public(hook):
        return {k: v for k, v in hook.items() if k != "secret"}

    @route("/api/v2/webhooks", ["GET"], READ + ("webhooks:read", "webhooks:write"))
    def list_webhooks():
        with sandbox.lock:
            hooks = [public(w) for w in data.setdefault("webhooks", [])]
        return flask.jsonify(paginate(hooks, "webhooks"))

    @route("/api/v2/webhooks", ["POST"], WRITE + ("webhooks:write",))
    def create_webhook():
        fields = json_body("webhook")
        hook = _valid_webhook(fields)
        stamp = records.now()
        hook.update(id=uuid.uuid4().hex[:26].upper(), created_at=stamp, created_by=str(actor_id()),
                    updated_at=stamp, updated_by=str(actor_id()), secret=_new_secret())
        with sandbox.lock:
            data.setdefault("webhooks", []).append(hook)
            outbox.follow_webhooks()
        response = flask.jsonify(webhook=public(hook))
        response.status_code = 201
        response.headers["Location"] = f"{base()}api/v2/webhooks/{hook['id']}"
        return response

    @route("/api/v2/webhooks/<webhook_id>", ["GET"], READ + ("webhooks:read", "webhooks:write"))
    def show_webhook(webhook_id):
        with sandbox.lock:
            return flask.jsonify(webhook=public(webhook_or_404(webhook_id)))

    @route("/api/v2/webhooks/<webhook_id>", ["DELETE"], WRITE + ("webhooks:write",))
    def delete_webhook(webhook_id):
        with sandbox.lock:
            data["webhooks"].remove(webhook_or_404(webhook_id))
            outbox.follow_webhooks()
        return "", 204

    @route("/api/v2/webhooks/<webhook_id>/signing_secret", ["GET"], READ + ("webhooks:read", "webhooks:write"))
    def show_signing_secret(webhook_id):
        with sandbox.lock:
            secret = webhook_or_404(webhook_id)["secret"]
        return flask.jsonify(signing_secret={"algorithm": "SHA256", "secret": secret})

    @route("/api/v2/webhooks/<webhook_id>/signing_secret", ["POST"], WRITE + ("webhooks:write",))
    def reset_signing_secret(webhook_id):
        with sandbox.lock:
            hook = webhook_or_404(webhook_id)
            hook["secret"] = _new_secret()
            outbox.follow_webhooks()
            secret = hook["secret"]
        return flask.jsonify(signing_secret={"algorithm": "SHA256", "secret": secret}), 201

    # -- Zendesk's error envelope for refusals raised in routes (unknown paths: responses.http_error)

    @app.errorhandler(ApiError)
    def api_error(error):
        return error.response()


#: List Tickets' sort fields the sandbox keeps (Zendesk also sorts by assignee, group, locale
#: and requester names; those are refused rather than answered in id order).
TICKET_SORTS = ("id", "created_at", "updated_at", "status", "subject")


def ticket_order(args):
    """``(field, descending)`` from ``sort_by``/``sort_order`` (offset pages) or ``sort=-field``
    (cursor pages); id ascending when neither is given."""
    if "sort" in args:
        wanted = args["sort"]
        field, descending = wanted.lstrip("-"), wanted.startswith("-")
    else:
        field = args.get("sort_by", "id")
        order = args.get("sort_order", "asc")
        if order not in ("asc", "desc"):
            raise ApiError(400, "InvalidPaginationParameter", f"sort_order must be asc or desc, not {order!r}")
        descending = order == "desc"
    if field not in TICKET_SORTS:
        raise ApiError(400, "InvalidPaginationParameter",
                       f"cannot sort tickets by {field!r} here; sort by {', '.join(TICKET_SORTS)}")
    return field, descending


def _valid_webhook(fields):
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip():
        raise record_invalid("name", "Name: cannot be blank", "BlankValue")
    endpoint = fields.get("endpoint")
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise record_invalid("endpoint", "Endpoint: must be an absolute http(s) URL")
    subscriptions = fields.get("subscriptions", [])
    if not isinstance(subscriptions, list) or not all(isinstance(s, str) for s in subscriptions):
        raise record_invalid("subscriptions", "Subscriptions: must be a list of event types")
    method, request_format = fields.get("http_method", "POST"), fields.get("request_format", "json")
    if any(s.startswith("zen:event-type:") for s in subscriptions) and (method, request_format) != ("POST", "json"):
        raise record_invalid("http_method", "Event-subscribed webhooks must use POST and the json format")
    status = fields.get("status", "active")
    if status not in ("active", "inactive"):
        raise record_invalid("status", "Status: must be active or inactive")
    return {"name": name.strip(), "status": status, "subscriptions": subscriptions, "endpoint": endpoint,
            "http_method": method, "request_format": request_format,
            "description": fields.get("description", "")}


def _new_secret():
    return secrets.token_urlsafe(30)
