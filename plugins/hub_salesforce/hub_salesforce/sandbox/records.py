"""The sandbox org's records: reads, validated creates and updates, derived fields, and the
Case assignment rule that ``Sforce-Auto-Assign`` switches on or off.

Records live in the seed's working copy (``sandbox.data["records"][<sObject>]``) so
``/_sandbox/reset`` restores them; every access holds ``sandbox.lock``.
"""

from datetime import datetime, timezone

from . import ids, schema
from .errors import ApiError
from .soql import format_datetime

MAX_LENGTH = {("Case", "Subject"): 255, ("CaseComment", "CommentBody"): 4000}


def now():
    return format_datetime(datetime.now(timezone.utc))


class Org:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    @property
    def data(self):
        return self.sandbox.data

    @property
    def organization_id(self):
        return self.data["organization"]["id"]

    @property
    def api_user_id(self):
        return str(self.data["oauth"]["user"]["id"])

    # -- reading --

    def records(self, object_name):
        return self.data["records"].setdefault(object_name, [])

    def get(self, object_name, record_id):
        wanted = ids.to18(record_id)
        if wanted is None:
            return None
        for record in self.records(object_name):
            if record["Id"] == wanted and not record.get("IsDeleted"):
                return record
        return None

    def object_of(self, record_id):
        return schema.BY_PREFIX.get(str(record_id or "")[:3])

    def get_any(self, record_id):
        object_name = self.object_of(record_id)
        return self.get(object_name, record_id) if object_name else None

    def queue(self, name):
        """A queue by DeveloperName or Name."""
        for group in self.records("Group"):
            if group.get("Type") == "Queue" and name in (group.get("DeveloperName"), group.get("Name")):
                return group
        return None

    # -- writing --

    def create(self, obj, values, auto_assign):
        if not obj.writable:
            raise read_only(obj)
        self._check(obj, values, creating=True)
        missing = [f.name for f in obj.fields if f.required and values.get(f.name) in (None, "")]
        if missing:
            raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)
        stamp = now()
        record = {
            "Id": ids.new_id(obj.key_prefix), "IsDeleted": False, "CreatedDate": stamp,
            "CreatedById": self.api_user_id, "LastModifiedDate": stamp, "SystemModstamp": stamp,
        }
        record.update(DEFAULTS.get(obj.name, {}))
        record.update({obj.field(k).name: v for k, v in values.items()})
        if obj.name == "Case":
            record["CaseNumber"] = self._next_case_number()
            record.setdefault("OwnerId", self.api_user_id)
            if auto_assign:
                self._assign(record)
        self._derive(obj.name, record, previous_status=None)
        self.records(obj.name).append(record)
        return record

    def update(self, obj, record_id, values, auto_assign):
        if not obj.writable:
            raise read_only(obj)
        record = self.get(obj.name, record_id)
        if record is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        self._check(obj, values, creating=False)
        previous_status = record.get("Status")
        record.update({obj.field(k).name: v for k, v in values.items()})
        if obj.name == "Case" and auto_assign:
            self._assign(record)
        record["LastModifiedDate"] = record["SystemModstamp"] = now()
        self._derive(obj.name, record, previous_status)
        return record

    def delete(self, obj, record_id):
        """Move the record (and the children a delete cascades to) to the recycle bin:
        queries skip it, queryAll still finds it with IsDeleted = true."""
        if not obj.writable:
            raise read_only(obj)
        record = self.get(obj.name, record_id)
        if record is None:
            raise ApiError(404, "ENTITY_IS_DELETED" if self._deleted(obj.name, record_id) else "NOT_FOUND",
                           "entity is deleted" if self._deleted(obj.name, record_id)
                           else "The requested resource does not exist")
        stamp = now()
        doomed = [record]
        if obj.name == "Case":
            doomed += [c for c in self.records("CaseComment") if c.get("ParentId") == record["Id"] and not c.get("IsDeleted")]
        for row in doomed:
            row.update(IsDeleted=True, LastModifiedDate=stamp, SystemModstamp=stamp)

    def _deleted(self, object_name, record_id):
        wanted = ids.to18(record_id)
        return any(r["Id"] == wanted and r.get("IsDeleted") for r in self.records(object_name))

    def _check(self, obj, values, creating):
        if not isinstance(values, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object of field values.")
        for key, value in values.items():
            field = obj.field(key) if isinstance(key, str) else None
            if field is None:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}")
            if not (field.createable if creating else field.updateable):
                raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {field.name}. "
                               "Please check the security settings of this field and verify that it is read/write "
                               "for your profile or permission set.", [field.name])
            self._check_value(obj, field, value)

    def _check_value(self, obj, field, value):
        if value is None:
            return
        if field.type == schema.BOOLEAN:
            if not isinstance(value, bool):
                raise ApiError(400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of boolean from "
                               f"{type(value).__name__} value {value!r} for field {field.name}")
            return
        if not isinstance(value, str):
            raise ApiError(400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of string from "
                           f"{type(value).__name__} value for field {field.name}")
        limit = MAX_LENGTH.get((obj.name, field.name))
        if limit and len(value) > limit:
            raise ApiError(400, "STRING_TOO_LONG", f"{field.name}: data value too large: {value[:40]}... "
                           f"(max length={limit})", [field.name])
        if field.type == schema.PICKLIST and field.values and value not in field.values:
            raise ApiError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                           f"{field.name}: bad value for restricted picklist field: {value}", [field.name])
        if field.type == schema.REFERENCE:
            target = ids.to18(value)
            if target is None or self.object_of(target) not in field.targets:
                raise ApiError(400, "MALFORMED_ID", f"{field.name}: id value of incorrect type: {value}", [field.name])
            if self.get_any(target) is None:
                raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [field.name])

    def _derive(self, object_name, record, previous_status):
        for field in schema.OBJECTS[object_name].fields:
            if field.type == schema.REFERENCE and record.get(field.name):
                record[field.name] = ids.to18(record[field.name])
        if object_name == "Case":
            closed = record.get("Status") in schema.CLOSED_STATUSES
            record["IsClosed"] = closed
            if closed and previous_status not in schema.CLOSED_STATUSES:
                record["ClosedDate"] = record["LastModifiedDate"]
            elif not closed:
                record["ClosedDate"] = None
            contact = self.get("Contact", record.get("ContactId"))
            record["ContactEmail"] = contact.get("Email") if contact else None
        elif object_name == "Contact":
            record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)

    def _next_case_number(self):
        numbers = [int(c["CaseNumber"]) for c in self.records("Case") if str(c.get("CaseNumber", "")).isdigit()]
        return f"{max(numbers, default=1000) + 1:08d}"

    def _assign(self, case):
        """The active Case assignment rule: the first entry whose keywords appear in the
        Subject routes the case to its queue; no match leaves the owner as it is."""
        subject = (case.get("Subject") or "").lower()
        for entry in self.data.get("assignment_rule", {}).get("entries", []):
            if any(word in subject for word in entry["subject_contains"]):
                queue = self.queue(entry["queue"])
                if queue:
                    case["OwnerId"] = queue["Id"]
                return


DEFAULTS = {
    "Case": {"Status": "New", "Priority": "Medium", "IsEscalated": False},
    "CaseComment": {"IsPublished": False},
}


def read_only(obj):
    return ApiError(403, "INSUFFICIENT_ACCESS_OR_READONLY", f"insufficient access rights on object {obj.name}: "
                    "the sandbox org only writes Case, CaseComment, Contact and Account")


def auto_assign_requested(header, rule_id):
    """``Sforce-Auto-Assign``: absent or TRUE runs the active rule, FALSE does not, an
    AssignmentRule id runs that rule (the sandbox has one)."""
    if header is None or header.strip().upper() == "TRUE":
        return True
    if header.strip().upper() == "FALSE":
        return False
    if ids.same(header.strip(), rule_id):
        return True
    raise ApiError(400, "MALFORMED_ID", f"Sforce-Auto-Assign: not TRUE, FALSE or an AssignmentRule id: {header}")
