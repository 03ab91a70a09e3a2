"""The REST API routes of the sandbox org, under ``/services/data/vNN.0/``.

Same paths, status codes and bodies as Salesforce: create answers 201
``{"id", "success", "errors"}``, update 204, queries ``{"totalSize", "done",
"nextRecordsUrl", "records"}`` with relative ``nextRecordsUrl`` locators, errors as JSON
arrays, and every response carries ``Sforce-Limit-Info``.
"""

import re
import secrets

import flask

from . import describe, outbound, records, schema, soql, sosl
from .errors import ApiError, not_found, render

OLDEST_VERSION, NEWEST_VERSION = 31, 67
RELEASES = {65: "Winter '26", 66: "Spring '26", 67: "Summer '26"}
DEFAULT_BATCH, MAX_BATCH = 2000, 2000
LOCATORS_KEPT = 200  # older cursors expire, as idle ones do after 15 minutes at Salesforce
BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def install(sandbox, org):
    app = sandbox.app
    api = sandbox.require_token("api")
    locators = {}

    def version_or_404(version):
        match = re.fullmatch(r"(\d+)\.0", version)
        if not match or not OLDEST_VERSION <= int(match.group(1)) <= NEWEST_VERSION:
            raise not_found()
        return version

    def json_body():
        try:
            body = flask.request.get_json(silent=True)
        except RecursionError:  # nesting deep enough to exhaust the parser is not JSON we take
            body = None
        if body is None:
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body is not valid JSON.")
        return body

    def object_or_404(name):
        obj = schema.lookup(name)
        if obj is None:
            raise ApiError(404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{name}'")
        return obj

    def query_page(version, locator, offset):
        entry = locators.get(locator)
        if entry is None:
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        rows, batch = entry
        page = rows[offset:offset + batch]
        following = offset + len(page)
        body = {"totalSize": len(rows), "done": following >= len(rows)}
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{following}"
        else:
            locators.pop(locator, None)
        body["records"] = page
        return flask.jsonify(body)

    def batch_size():
        match = BATCH_SIZE.search(flask.request.headers.get("Sforce-Query-Options", ""))
        # Salesforce treats batchSize as a hint between 200 and 2,000; the sandbox honours
        # small sizes too, so a dozen seeded cases can exercise paging.
        return max(1, min(MAX_BATCH, int(match.group(1)))) if match else DEFAULT_BATCH

    def auto_assign():
        rule_id = sandbox.data.get("assignment_rule", {}).get("id")
        return records.auto_assign_requested(flask.request.headers.get("Sforce-Auto-Assign"), rule_id)

    def notify(object_name, record):
        """The org's Outbound Message rules: a new Case, a new CaseComment."""
        if sandbox.webhooks.target is not None:
            body = outbound.outbound_message(org, flask.request.host_url, object_name, [record], created=True)
            sandbox.emit(body, outbound.SOAP_HEADERS)

    @app.errorhandler(ApiError)
    def api_error(error):
        return render(error)

    @app.after_request
    def limit_info(response):
        if flask.request.path.startswith("/services/data/v"):
            with sandbox.lock:
                used = sandbox.data["limits"]["api_usage"] = sandbox.data["limits"].get("api_usage", 0) + 1
            response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{sandbox.data['limits']['daily_api_requests']}"
        return response

    @app.get("/services/data/")
    def versions():
        base = "/services/data/v"
        return flask.jsonify([
            {"label": RELEASES.get(n, f"API {n}"), "url": f"{base}{n}.0", "version": f"{n}.0"}
            for n in range(OLDEST_VERSION, NEWEST_VERSION + 1)
        ])

    @app.get("/services/data/v<version>/")
    @api
    def resources(version):
        base = f"/services/data/v{version_or_404(version)}"
        return flask.jsonify({name: f"{base}/{name}" for name in ("sobjects", "query", "search", "limits")})

    @app.get("/services/data/v<version>/limits/")
    @app.get("/services/data/v<version>/limits")
    @api
    def limits(version):
        version_or_404(version)
        with sandbox.lock:
            allowed = sandbox.data["limits"]["daily_api_requests"]
            used = sandbox.data["limits"].get("api_usage", 0)
        return flask.jsonify({"DailyApiRequests": {"Max": allowed, "Remaining": max(0, allowed - used)}})

    @app.post("/services/data/v<version>/sobjects/<name>/")
    @app.post("/services/data/v<version>/sobjects/<name>")
    @api
    def create(version, name):
        version_or_404(version)
        obj = object_or_404(name)
        body = json_body()
        with sandbox.lock:
            record = org.create(obj, body, auto_assign() if obj.name == "Case" else False)
        if obj.name in outbound.MESSAGE_FIELDS:
            notify(obj.name, record)
        return flask.jsonify({"id": record["Id"], "success": True, "errors": []}), 201

    @app.get("/services/data/v<version>/sobjects/<name>/<record_id>")
    @api
    def read(version, name, record_id):
        version_or_404(version)
        obj = object_or_404(name)
        wanted = flask.request.args.get("fields")
        fields = [f.name for f in obj.fields]
        if wanted:
            fields = []
            for key in wanted.split(","):
                field = obj.field(key.strip())
                if field is None:
                    raise soql.no_such_column(key.strip(), obj.name)
                fields.append(field.name)
        with sandbox.lock:
            record = org.get(obj.name, record_id)
            if record is None:
                raise not_found()
            body = {"attributes": {"type": obj.name, "url": f"/services/data/v{version}/sobjects/{obj.name}/{record['Id']}"}}
            body.update({name: record.get(name) for name in fields})
        return flask.jsonify(body)

    @app.patch("/services/data/v<version>/sobjects/<name>/<record_id>")
    @api
    def update(version, name, record_id):
        version_or_404(version)
        obj = object_or_404(name)
        body = json_body()
        with sandbox.lock:
            org.update(obj, record_id, body, auto_assign() if obj.name == "Case" else False)
        return "", 204

    @app.delete("/services/data/v<version>/sobjects/<name>/<record_id>")
    @api
    def delete(version, name, record_id):
        version_or_404(version)
        obj = object_or_404(name)
        with sandbox.lock:
            org.delete(obj, record_id)
        return "", 204

    @app.get("/services/data/v<version>/sobjects/")
    @app.get("/services/data/v<version>/sobjects")
    @api
    def describe_global(version):
        return flask.jsonify(describe.describe_global(version_or_404(version)))

    @app.get("/services/data/v<version>/sobjects/<name>/")
    @app.get("/services/data/v<version>/sobjects/<name>")
    @api
    def object_info(version, name):
        obj = object_or_404(name)
        return flask.jsonify({"objectDescribe": describe.object_summary(obj, version_or_404(version)), "recentItems": []})

    @app.get("/services/data/v<version>/sobjects/<name>/describe/")
    @app.get("/services/data/v<version>/sobjects/<name>/describe")
    @api
    def describe_object(version, name):
        version_or_404(version)
        return flask.jsonify(describe.describe(object_or_404(name), version))

    @app.get("/services/data/v<version>/queryAll/")
    @app.get("/services/data/v<version>/queryAll")
    @api
    def query_all(version):
        """As /query, with deleted records (IsDeleted = true) included."""
        return query(version, include_deleted=True)

    @app.get("/services/data/v<version>/query/")
    @app.get("/services/data/v<version>/query")
    @api
    def query(version, include_deleted=False):
        version_or_404(version)
        text = flask.request.args.get("q")
        if not text:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        parsed = soql.parse(text)
        with sandbox.lock:
            rows = soql.Executor(org, version).run(parsed, include_deleted=include_deleted)
            if parsed.count_only:  # SELECT COUNT(): the number is the answer, no records
                return flask.jsonify({"totalSize": len(rows), "done": True, "records": []})
            locator = "01g" + secrets.token_hex(8)
            locators[locator] = (rows, batch_size())
            while len(locators) > LOCATORS_KEPT:
                locators.pop(next(iter(locators)))
        return query_page(version, locator, 0)

    @app.get("/services/data/v<version>/query/<cursor>")
    @api
    def query_more(version, cursor):
        version_or_404(version)
        locator, _, offset = cursor.rpartition("-")
        if not locator or not offset.isdigit():
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        with sandbox.lock:
            return query_page(version, locator, int(offset))

    @app.get("/services/data/v<version>/search/")
    @app.get("/services/data/v<version>/search")
    @api
    def search(version):
        version_or_404(version)
        text = flask.request.args.get("q")
        if not text:
            raise ApiError(400, "MALFORMED_SEARCH", "A search string has to be specified")
        with sandbox.lock:
            return flask.jsonify(sosl.search(org, text, version))

    @app.get("/id/<org_id>/<user_id>")
    @api
    def identity(org_id, user_id):
        user = sandbox.current_token().user
        if org_id != org.organization_id or str(user.id) != user_id:
            raise ApiError(403, "INSUFFICIENT_ACCESS", "This session may only read its own identity.")
        return flask.jsonify({
            "id": flask.request.url, "organization_id": org_id, "user_id": user_id,
            "username": user.email, "email": user.email, "display_name": user.name,
            "urls": {"rest": flask.request.host_url + "services/data/v{version}/"},
        })

    sandbox.on_reset(locators.clear)
