"""The sandbox instance's writes: what the platform does around an insert or update.

Journal fields land in sys_journal_field, system columns move on, the incident state model
and its data policies are enforced, and an incident insert/update runs our "hub push"
business rule (business_rule.py), as a customer's instance would once the rule is installed.
"""

from . import business_rule
from .records import TABLES, complete, is_internal, new_sys_id, next_number, now_text


class ApiError(Exception):
    """An error the Table API answers with its ``{"error": {...}, "status": "failure"}`` body."""

    def __init__(self, status, message, detail=None):
        super().__init__(message)
        self.status, self.message, self.detail = status, message, detail


# The labels an instance names in its "Data Policy Exception" message.
_MANDATORY_WHEN = {
    "6": (("close_code", "Resolution code"), ("close_notes", "Resolution notes")),
    "3": (("hold_reason", "On hold reason"),),
}
_CLOSED_STATES = {"7", "8"}


class Instance:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    @property
    def tables(self):
        return self.sandbox.data["tables"]

    def prepare(self):
        """Complete every seeded row (defaults, system columns); run at start and after reset."""
        with self.sandbox.lock:
            for table in TABLES:
                rows = self.tables.setdefault(table, [])
                rows[:] = [complete(table, row) for row in rows]

    def table(self, name):
        if name not in TABLES:
            raise ApiError(400, f"Invalid table {name}")
        return self.tables[name]

    def get(self, table, sys_id):
        row = next((r for r in self.table(table) if r["sys_id"] == sys_id), None)
        if row is None:
            raise ApiError(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
        return row

    def user_by_id(self, sys_id):
        return next((u for u in self.tables["sys_user"] if u["sys_id"] == str(sys_id)), None)

    # -- writes (callers hold sandbox.lock) ---------------------------------------------------

    def insert(self, table, values, user, display_values=False):
        rows = self.table(table)
        spec = TABLES[table]
        row = complete(table, {})
        row["sys_id"] = new_sys_id()
        if spec.number_prefix:
            row["number"] = next_number(rows, spec.number_prefix)
        row["sys_created_by"] = row["sys_updated_by"] = user["user_name"]
        row["sys_created_on"] = row["sys_updated_on"] = now_text()
        if "opened_at" in row:
            row["opened_at"], row["opened_by"] = row["sys_created_on"], user["sys_id"]
        journal = self._assign(table, row, values, display_values)
        self._apply_state_model(table, row, {}, journal, user)
        rows.append(row)
        self._write_journal(table, row, journal, user)
        self._after(table, "insert", row, journal, user)
        return row

    def update(self, table, sys_id, values, user, display_values=False):
        row = self.get(table, sys_id)
        before = dict(row)
        candidate = dict(row)
        journal = self._assign(table, candidate, values, display_values)
        self._apply_state_model(table, candidate, before, journal, user)
        if candidate == before and not journal:
            return row  # nothing changed: the instance does not touch the record
        candidate["sys_updated_on"] = now_text()
        candidate["sys_updated_by"] = user["user_name"]
        candidate["sys_mod_count"] = str(int(before["sys_mod_count"] or 0) + 1)
        row.update(candidate)
        self._write_journal(table, row, journal, user)
        self._after(table, "update", row, journal, user)
        return row

    def delete(self, table, sys_id):
        row = self.get(table, sys_id)
        self.table(table).remove(row)

    def _assign(self, table, row, values, display_values):
        """Copy writable values into ``row``; return the journal entries to write."""
        if not isinstance(values, dict):
            raise ApiError(400, "Exception while reading request", "The payload is not a JSON object")
        spec = TABLES[table]
        journal = {}
        for column, value in values.items():
            if column in spec.journal:
                text = _plain(value)
                if text.strip():
                    journal[column] = text
            elif column in spec.columns and not column.startswith("sys_") and not is_internal(column):
                row[column] = self._stored_value(table, column, _plain(value), display_values)
            # Columns the table does not have are ignored, as an instance ignores them.
        return journal

    def _stored_value(self, table, column, value, display_values):
        target = TABLES[table].references.get(column)
        if display_values and not target:
            # A choice may be given by its label ("Resolved") with sysparm_input_display_value.
            label = next((c for c in self.tables["sys_choice"]
                          if (c["name"], c["element"], c["label"]) == (table, column, value)), None)
            return label["value"] if label else value
        if not target or not value:
            return value
        rows = self.tables[target]
        if any(r["sys_id"] == value for r in rows):
            return value
        if display_values:
            display = TABLES[target].display
            match = next((r for r in rows if r.get(display) == value), None)
            if match:
                return match["sys_id"]
        return value  # an instance stores an unmatched reference as given

    def _apply_state_model(self, table, row, before, journal, user=None):
        if table != "incident":
            return
        state, previous = row["state"], before.get("state")
        if state in _MANDATORY_WHEN and state != previous:
            missing = [label for column, label in _MANDATORY_WHEN[state] if not row.get(column)]
            if missing:
                raise ApiError(403, "Operation Failed",
                               "Data Policy Exception: \n\tThe following fields are mandatory: " + ", ".join(missing) + "\n")
        # The caller answering an incident on hold "Awaiting Caller" moves it back to In Progress.
        if (previous == "3" and state == "3" and before.get("hold_reason") == "1" and "comments" in journal
                and user is not None and user["sys_id"] == row["caller_id"]):
            row["state"] = state = "2"
        if state != "3":
            row["hold_reason"] = ""
        if state == "6" and previous != "6":
            row["resolved_at"] = now_text()
            row["resolved_by"] = user["sys_id"] if user else ""
        if state in _CLOSED_STATES and previous not in _CLOSED_STATES:
            row["closed_at"] = now_text()
        row["active"] = "false" if state in _CLOSED_STATES else "true"
        row["incident_state"] = state

    def _write_journal(self, table, row, journal, user):
        for element, text in journal.items():
            self.tables["sys_journal_field"].append(complete("sys_journal_field", {
                "sys_id": new_sys_id(), "name": table, "element": element, "element_id": row["sys_id"],
                "value": text, "sys_created_by": user["user_name"], "sys_created_on": row["sys_updated_on"],
            }))

    def _after(self, table, operation, row, journal, user):
        if table == "incident":
            business_rule.run(self.sandbox, self, operation, row, journal, user)


def _plain(value):
    # Clients may send a reference as {"value": ...} or {"sys_id": ...} (PySNC sends plain values).
    if isinstance(value, dict):
        value = value.get("value", value.get("sys_id", ""))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
