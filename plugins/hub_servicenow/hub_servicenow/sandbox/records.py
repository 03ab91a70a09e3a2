"""The sandbox's tables: their columns, references and numbering, and how a row is served.

Rows are stored the way the Table API returns them with ``sysparm_display_value=false`` and
``sysparm_exclude_reference_link=true``: every value a string, a reference holding the target's
sys_id. Serving adds what the instance would: ``{"link", "value"}`` references with absolute
links back to this server, display values from ``sys_choice`` and the referenced row, and the
journal fields that are write-only in a normal read.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
JOURNAL_LABELS = {"comments": "Additional comments", "work_notes": "Work notes"}

_SYSTEM = {"sys_id": "", "sys_created_on": "", "sys_created_by": "system", "sys_updated_on": "",
           "sys_updated_by": "system", "sys_mod_count": "0"}
_TASK = {
    "number": "", "short_description": "", "description": "", "state": "1", "active": "true",
    "opened_at": "", "opened_by": "", "assignment_group": "", "assigned_to": "", "priority": "4",
    "correlation_id": "", "correlation_display": "", "closed_at": "", "closed_by": "",
}


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict  # column -> default value
    references: dict = field(default_factory=dict)  # column -> referenced table
    display: str = "sys_id"  # column shown as the row's display value
    number_prefix: str | None = None
    journal: tuple = ()  # write-only journal columns (stored in sys_journal_field)


TABLES = {t.name: t for t in (
    Table("sys_user", {
        **_SYSTEM, "user_name": "", "first_name": "", "last_name": "", "name": "", "email": "",
        "active": "true", "locked_out": "false", "password_needs_reset": "false", "title": "",
        "department": "", "phone": "", "manager": "", "vip": "false",
    }, references={"manager": "sys_user"}, display="name"),
    Table("sys_user_group", {
        **_SYSTEM, "name": "", "description": "", "email": "", "active": "true", "manager": "",
    }, references={"manager": "sys_user"}, display="name"),
    Table("incident", {
        **_SYSTEM, **_TASK, "caller_id": "", "category": "inquiry", "subcategory": "", "contact_type": "",
        "impact": "3", "urgency": "3", "priority": "5", "incident_state": "", "hold_reason": "",
        "close_code": "", "close_notes": "", "resolved_at": "", "resolved_by": "",
    }, references={"caller_id": "sys_user", "opened_by": "sys_user", "assignment_group": "sys_user_group",
                   "assigned_to": "sys_user", "resolved_by": "sys_user", "closed_by": "sys_user"},
        display="number", number_prefix="INC", journal=("comments", "work_notes")),
    Table("sc_request", {
        **_SYSTEM, **_TASK, "requested_for": "", "request_state": "requested", "stage": "requested",
        "approval": "not requested", "price": "0",
    }, references={"requested_for": "sys_user", "opened_by": "sys_user", "assignment_group": "sys_user_group",
                   "assigned_to": "sys_user", "closed_by": "sys_user"},
        display="number", number_prefix="REQ", journal=("comments", "work_notes")),
    Table("sc_req_item", {
        **_SYSTEM, **_TASK, "request": "", "cat_item": "", "requested_for": "", "quantity": "1",
        "stage": "request_approved", "approval": "not requested", "price": "0",
    }, references={"request": "sc_request", "cat_item": "sc_cat_item", "requested_for": "sys_user",
                   "opened_by": "sys_user", "assignment_group": "sys_user_group", "assigned_to": "sys_user",
                   "closed_by": "sys_user"},
        display="number", number_prefix="RITM", journal=("comments", "work_notes")),
    Table("sc_cat_item", {
        **_SYSTEM, "name": "", "short_description": "", "description": "", "category": "", "active": "true",
        "price": "0", "sys_class_name": "sc_cat_item",
    }, display="name"),
    Table("kb_knowledge", {
        **_SYSTEM, "number": "", "short_description": "", "text": "", "kb_category": "",
        "workflow_state": "published", "active": "true", "author": "", "valid_to": "2100-01-01",
        "sys_view_count": "0",
    }, references={"author": "sys_user"}, display="number", number_prefix="KB"),
    Table("sys_journal_field", {
        **_SYSTEM, "name": "", "element": "", "element_id": "", "value": "",
    }, display="value"),
    Table("sys_choice", {
        **_SYSTEM, "name": "", "element": "", "value": "", "label": "", "sequence": "0", "inactive": "false",
    }, display="label"),
)}


def now_text():
    return datetime.now(timezone.utc).strftime(TIME_FORMAT)


def new_sys_id():
    return uuid.uuid4().hex


def is_internal(column):
    """Sandbox-only columns (catalog behaviour) start with "_" and are never served."""
    return column.startswith("_")


def complete(table, row):
    """Fill the columns ``row`` leaves out with the table's defaults; values become strings."""
    spec = TABLES[table]
    filled = {column: default for column, default in spec.columns.items()}
    filled.update({column: as_text(value) for column, value in row.items()})
    if not filled["sys_id"]:
        # Seed rows without an id get a stable one, so a reset serves the same ids again.
        filled["sys_id"] = uuid.uuid5(uuid.NAMESPACE_URL, f"{table}/{sorted(row.items())}").hex
    filled["sys_created_on"] = filled["sys_created_on"] or filled.get("opened_at") or filled["sys_updated_on"] or now_text()
    filled["sys_updated_on"] = filled["sys_updated_on"] or filled["sys_created_on"]
    if table == "incident":
        filled["incident_state"] = filled["incident_state"] or filled["state"]
    return filled


def as_text(value):
    """The instance stores every value as a string; JSON true/false/numbers are coerced."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def next_number(rows, prefix):
    numbers = [int(r["number"][len(prefix):]) for r in rows if r.get("number", "").startswith(prefix)]
    return f"{prefix}{(max(numbers) + 1) if numbers else 10001:07d}"


class Renderer:
    """Serves rows of one request: ``mode`` is sysparm_display_value ("false", "true", "all")."""

    def __init__(self, tables, base_url, mode="false", links=True):
        self.tables, self.base_url, self.mode, self.links = tables, base_url.rstrip("/"), mode, links

    def row(self, table, row, fields=None):
        spec = TABLES[table]
        if not fields:
            fields = [c for c in row if not is_internal(c)] + list(spec.journal)
        return {name: self.value(table, row, name) for name in fields}

    def value(self, table, row, dotted):
        """The served value of ``dotted`` (a column, or a dot-walk such as caller_id.email)."""
        *hops, column = dotted.split(".")
        for hop in hops:
            target = TABLES[table].references.get(hop)
            row = self.lookup(target, row.get(hop, "")) if target else None
            if row is None:
                return ""
            table = target
        spec = TABLES[table]
        if is_internal(column):
            return ""
        if column in spec.journal:
            text = self.journal_text(table, row["sys_id"], column) if self.mode != "false" else ""
            return {"display_value": text, "value": ""} if self.mode == "all" else text
        raw = row.get(column, "")
        target = spec.references.get(column)
        link = f"{self.base_url}/api/now/table/{target}/{raw}" if target and raw and self.links else None
        if self.mode == "false":
            return {"link": link, "value": raw} if link else raw
        shown = self.display(table, column, raw)
        if self.mode == "true":
            return {"display_value": shown, "link": link} if link else shown
        served = {"display_value": shown, "value": raw}
        if link:
            served["link"] = link
        return served

    def display(self, table, column, raw):
        target = TABLES[table].references.get(column)
        if target:
            referenced = self.lookup(target, raw)
            return referenced.get(TABLES[target].display, "") if referenced else ""
        for choice in self.tables.get("sys_choice", ()):
            if (choice["name"], choice["element"], choice["value"]) == (table, column, raw):
                return choice["label"]
        return raw

    def lookup(self, table, sys_id):
        if not sys_id:
            return None
        return next((r for r in self.tables.get(table, ()) if r["sys_id"] == sys_id), None)

    def journal_text(self, table, sys_id, element):
        """The concatenated journal an instance shows with display values, newest first."""
        entries = journal_entries(self.tables, table, sys_id, (element,))
        users = {u["user_name"]: u["name"] for u in self.tables.get("sys_user", ())}
        return "".join(
            f"{e['sys_created_on']} - {users.get(e['sys_created_by'], e['sys_created_by'])} "
            f"({JOURNAL_LABELS[element]})\n{e['value']}\n\n"
            for e in reversed(entries)
        )


def journal_entries(tables, table, sys_id, elements=("comments", "work_notes")):
    entries = [j for j in tables.get("sys_journal_field", ())
               if j["name"] == table and j["element_id"] == sys_id and j["element"] in elements]
    return sorted(entries, key=lambda j: j["sys_created_on"])
