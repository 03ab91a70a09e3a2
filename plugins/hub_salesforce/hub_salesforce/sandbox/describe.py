"""sObject describe results, built from schema.py: what ``sf.Case.describe()`` and
``sf.describe()`` read — each field's type, nillability, create/update/filter flags, length,
references and picklist values, and each object's child relationships."""

import re

from . import schema

#: Salesforce's field types, and the lengths it reports for them.
LENGTHS = {schema.ID: 18, schema.REFERENCE: 18, schema.STRING: 255, schema.TEXTAREA: 32000, schema.PICKLIST: 255}
SOAP_TYPES = {schema.ID: "tns:ID", schema.REFERENCE: "tns:ID", schema.BOOLEAN: "xsd:boolean",
              schema.DATETIME: "xsd:dateTime", schema.INT: "xsd:int"}


def label(name):
    """``ContactEmail`` -> ``Contact Email``; ``Knowledge__kav`` -> ``Knowledge``."""
    name = name.split("__")[0]
    if name.endswith("Id") and len(name) > 2:
        name = name[:-2]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def child_relationships(obj):
    """``[{"childSObject", "field", "relationshipName", "cascadeDelete"}]`` of objects pointing here."""
    found = []
    for child in schema.OBJECTS.values():
        for field in child.fields:
            if field.type == schema.REFERENCE and obj.name in field.targets and field.name not in ("CreatedById",):
                name = CHILD_NAMES.get((child.name, field.name))
                found.append({"cascadeDelete": (child.name, field.name) in CASCADES, "childSObject": child.name,
                              "deprecatedAndHidden": False, "field": field.name, "relationshipName": name})
    return found


CHILD_NAMES = {("CaseComment", "ParentId"): "CaseComments", ("Case", "ContactId"): "Cases",
               ("Case", "AccountId"): "Cases", ("Contact", "AccountId"): "Contacts"}
#: Deleting the parent deletes these children (a Case takes its CaseComments with it).
CASCADES = {("CaseComment", "ParentId")}


def field_describe(obj, field):
    system = field.name in ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "SystemModstamp")
    return {
        "name": field.name, "label": label(field.name), "type": field.type,
        "soapType": SOAP_TYPES.get(field.type, "xsd:string"), "length": LENGTHS.get(field.type, 0),
        "nillable": not field.required and not system and field.type != schema.BOOLEAN,
        "createable": obj.writable and field.createable, "updateable": obj.writable and field.updateable,
        "filterable": field.filterable, "sortable": field.filterable, "idLookup": field.name == "Id",
        "custom": field.name.endswith("__c"), "defaultedOnCreate": system or field.type == schema.BOOLEAN,
        "referenceTo": list(field.targets), "relationshipName": field.relationship,
        "restrictedPicklist": bool(field.values),
        "picklistValues": [{"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
                           for v in field.values],
    }


def object_summary(obj, version):
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "name": obj.name, "label": label(obj.name), "labelPlural": label(obj.name) + "s", "keyPrefix": obj.key_prefix,
        "custom": obj.name.endswith("__kav") or obj.name.endswith("__c"), "queryable": True, "searchable": True,
        "retrieveable": True, "createable": obj.writable, "updateable": obj.writable, "deletable": obj.writable,
        "undeletable": False, "layoutable": True,
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }


def describe(obj, version):
    body = object_summary(obj, version)
    body.update(fields=[field_describe(obj, f) for f in obj.fields], childRelationships=child_relationships(obj))
    return body


def describe_global(version):
    return {"encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [object_summary(obj, version) for obj in schema.OBJECTS.values()]}
