"""The sObjects the sandbox org has, with the field facts SOQL and DML enforce.

Only what a Service Cloud integration touches: Case, CaseComment, Contact, Account, Group
(queues), User and the Lightning Knowledge article version ``Knowledge__kav``.
"""

from dataclasses import dataclass

ID, REFERENCE, STRING, TEXTAREA, PICKLIST, BOOLEAN, DATETIME, INT = (
    "id", "reference", "string", "textarea", "picklist", "boolean", "datetime", "int",
)


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str = STRING
    #: Long text areas cannot appear in WHERE (Salesforce refuses the query).
    filterable: bool = True
    createable: bool = True
    updateable: bool = True
    required: bool = False
    #: For references: the objects an id may point at, and the relationship name for SOQL paths.
    targets: tuple = ()
    relationship: str | None = None
    #: For restricted picklists: the allowed values.
    values: tuple = ()


def _system_fields():
    return (
        FieldDef("Id", ID, createable=False, updateable=False),
        FieldDef("IsDeleted", BOOLEAN, createable=False, updateable=False),
        FieldDef("CreatedDate", DATETIME, createable=False, updateable=False),
        FieldDef("CreatedById", REFERENCE, createable=False, updateable=False, targets=("User",), relationship="CreatedBy"),
        FieldDef("LastModifiedDate", DATETIME, createable=False, updateable=False),
        FieldDef("SystemModstamp", DATETIME, createable=False, updateable=False),
    )


def _read_only(name, type_=STRING, **kw):
    return FieldDef(name, type_, createable=False, updateable=False, **kw)


@dataclass(frozen=True)
class ObjectDef:
    name: str
    key_prefix: str
    fields: tuple
    writable: bool = True

    def field(self, name):
        """The field named ``name`` (case-insensitively, as SOQL does), or None."""
        return self._index().get(name.lower())

    def relationship(self, name):
        for field in self.fields:
            if field.relationship and field.relationship.lower() == name.lower():
                return field
        return None

    def _index(self):
        return {field.name.lower(): field for field in self.fields}


CASE_STATUSES = ("New", "Working", "Escalated", "On Hold", "Closed")
CLOSED_STATUSES = ("Closed",)

OBJECTS = {
    obj.name: obj
    for obj in (
        ObjectDef("Case", "500", _system_fields() + (
            _read_only("CaseNumber"),
            FieldDef("Subject"),
            FieldDef("Description", TEXTAREA, filterable=False),
            FieldDef("Status", PICKLIST, values=CASE_STATUSES),
            FieldDef("Priority", PICKLIST, values=("Low", "Medium", "High")),
            FieldDef("Origin", PICKLIST, values=("Phone", "Email", "Web")),
            FieldDef("Type", PICKLIST, values=("Question", "Problem", "Feature Request", "Billing")),
            FieldDef("Reason"),
            FieldDef("ContactId", REFERENCE, targets=("Contact",), relationship="Contact"),
            FieldDef("AccountId", REFERENCE, targets=("Account",), relationship="Account"),
            _read_only("ContactEmail"),
            FieldDef("SuppliedEmail"),
            FieldDef("SuppliedName"),
            FieldDef("SuppliedPhone"),
            FieldDef("OwnerId", REFERENCE, targets=("User", "Group"), relationship="Owner"),
            FieldDef("IsEscalated", BOOLEAN),
            _read_only("IsClosed", BOOLEAN),
            _read_only("ClosedDate", DATETIME),
        )),
        ObjectDef("CaseComment", "00a", _system_fields() + (
            FieldDef("ParentId", REFERENCE, updateable=False, required=True, targets=("Case",), relationship="Parent"),
            FieldDef("CommentBody", TEXTAREA, filterable=False),
            FieldDef("IsPublished", BOOLEAN),
        )),
        ObjectDef("Contact", "003", _system_fields() + (
            FieldDef("FirstName"),
            FieldDef("LastName", required=True),
            _read_only("Name"),
            FieldDef("Email"),
            FieldDef("Phone"),
            FieldDef("Title"),
            FieldDef("AccountId", REFERENCE, targets=("Account",), relationship="Account"),
            FieldDef("OwnerId", REFERENCE, targets=("User",), relationship="Owner"),
        )),
        ObjectDef("Account", "001", _system_fields() + (
            FieldDef("Name", required=True),
            FieldDef("Industry"),
            FieldDef("Phone"),
            FieldDef("Website"),
            FieldDef("OwnerId", REFERENCE, targets=("User",), relationship="Owner"),
        )),
        ObjectDef("Group", "00G", _system_fields() + (
            FieldDef("Name"),
            FieldDef("DeveloperName"),
            FieldDef("Type", PICKLIST, values=("Queue", "Regular")),
            FieldDef("Email"),
        ), writable=False),
        ObjectDef("User", "005", _system_fields() + (
            FieldDef("Username"),
            FieldDef("FirstName"),
            FieldDef("LastName"),
            _read_only("Name"),
            FieldDef("Email"),
            FieldDef("UserType", PICKLIST, values=("Standard", "CspLitePortal", "PowerCustomerSuccess")),
            FieldDef("IsActive", BOOLEAN),
            FieldDef("ContactId", REFERENCE, targets=("Contact",), relationship="Contact"),
        ), writable=False),
        ObjectDef("Knowledge__kav", "ka0", _system_fields() + (
            FieldDef("KnowledgeArticleId", REFERENCE, targets=()),
            FieldDef("ArticleNumber"),
            FieldDef("Title"),
            FieldDef("UrlName"),
            FieldDef("Summary", TEXTAREA, filterable=False),
            FieldDef("Answer__c", TEXTAREA, filterable=False),
            FieldDef("PublishStatus", PICKLIST, values=("Online", "Draft", "Archived")),
            FieldDef("Language"),
            FieldDef("IsLatestVersion", BOOLEAN),
            FieldDef("VersionNumber", INT),
            FieldDef("LastPublishedDate", DATETIME),
        ), writable=False),
    )
}

#: Key prefix -> object name, to resolve polymorphic references such as Case.OwnerId.
BY_PREFIX = {obj.key_prefix: obj.name for obj in OBJECTS.values()}


def lookup(name):
    """The ObjectDef for an sObject name as written in a URL or query (case-insensitive)."""
    for obj in OBJECTS.values():
        if obj.name.lower() == (name or "").lower():
            return obj
    return None
