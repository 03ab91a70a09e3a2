"""graphql-core's validation and coercion errors reworded as Shopify's GraphQL API words them
(its server is graphql-ruby): the same messages and ``extensions.code`` values — undefinedField,
missingRequiredArguments, argumentNotAccepted, selectionMismatch, argumentLiteralsIncompatible,
variableNotUsed, variableNotDefined, undefinedType, useAndDefineFragment, undefinedDirective,
fieldConflict, INVALID_VARIABLE — so a client that branches on them sees what it would see.

An error the table does not recognise keeps graphql-core's message, with no code.
"""

import re

from graphql import GraphQLError, Visitor, visit


def _locations(error):
    return [{"line": loc.line, "column": loc.column} for loc in (error.locations or [])]


class _ArgumentOwners(Visitor):
    """Maps each argument value node (by id) to ``(argument name, field name)``."""

    def __init__(self):
        super().__init__()
        self.fields, self.owners = [], {}

    def enter_field(self, node, *_):
        self.fields.append(node.name.value)

    def leave_field(self, node, *_):
        self.fields.pop()

    def enter_argument(self, node, *_):
        if self.fields:
            self.owners[id(node.value)] = (node.name.value, self.fields[-1])


def _owner(document, error):
    if document is None or not error.nodes:
        return None
    owners = _ArgumentOwners()
    visit(document, owners)
    return owners.owners.get(id(error.nodes[0]))


RULES = [
    (re.compile(r"^Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\."),
     lambda m, _: (f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
                   {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]})),
    (re.compile(r"^Argument '\w+\.(?P<field>\w+)\((?P<arg>\w+):\)' of type '[^']+' is required, but it was not provided\."),
     lambda m, _: (f"Field '{m['field']}' is missing required arguments: {m['arg']}",
                   {"code": "missingRequiredArguments", "className": "Field", "name": m["field"],
                    "arguments": m["arg"]})),
    (re.compile(r"^Unknown argument '(?P<arg>\w+)' on field '\w+\.(?P<field>\w+)'\."),
     lambda m, _: (f"Field '{m['field']}' doesn't accept argument '{m['arg']}'",
                   {"code": "argumentNotAccepted", "name": m["field"], "typeName": "Field", "argumentName": m["arg"]})),
    (re.compile(r"^Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection of subfields"),
     lambda m, _: (f"Field must have selections (field '{m['field']}' returns {m['type'].rstrip('!')} but has no "
                   f"selections. Did you mean '{m['field']} {{ ... }}'?)",
                   {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'",
                    "typeName": m["type"].rstrip("!")})),
    (re.compile(r"^Field '(?P<field>\w+)' must not have a selection since type '(?P<type>[^']+)' has no subfields\."),
     lambda m, _: (f"Selections can't be made on scalars (field '{m['field']}' returns {m['type'].rstrip('!')} "
                   "but has selections [...])",
                   {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'",
                    "typeName": m["type"].rstrip("!")})),
    (re.compile(r"^Variable '\$(?P<name>\w+)' is never used"),
     lambda m, _: (f"Variable ${m['name']} is declared by anonymous query but not used",
                   {"code": "variableNotUsed", "variableName": m["name"]})),
    (re.compile(r"^Variable '\$(?P<name>\w+)' is not defined"),
     lambda m, _: (f"Variable ${m['name']} is used by anonymous query but not declared",
                   {"code": "variableNotDefined", "variableName": m["name"]})),
    (re.compile(r"^Unknown type '(?P<type>\w+)'\."),
     lambda m, _: (f"No such type {m['type']}, so it can't be a fragment condition",
                   {"code": "undefinedType", "typeName": m["type"]})),
    (re.compile(r"^Unknown fragment '(?P<name>\w+)'\."),
     lambda m, _: (f"Fragment {m['name']} was used, but not defined",
                   {"code": "useAndDefineFragment", "fragmentName": m["name"]})),
    (re.compile(r"^Unknown directive '@(?P<name>\w+)'\."),
     lambda m, _: (f"Directive @{m['name']} is not defined",
                   {"code": "undefinedDirective", "directiveName": m["name"]})),
    (re.compile(r"^Fields '(?P<field>\w+)' conflict because"),
     lambda m, _: (f"Field '{m['field']}' has a field conflict: the same name selects different fields or arguments",
                   {"code": "fieldConflict", "fieldName": m["field"]})),
    (re.compile(r"^Variable '\$(?P<name>\w+)' (?:got invalid value (?P<value>.*?); |has invalid value: )(?P<why>.*)$",
                re.DOTALL),
     lambda m, _: (f"Variable ${m['name']} of type was provided invalid value",
                   {"code": "INVALID_VARIABLE", "value": m["value"],
                    "problems": [{"path": [], "explanation": m["why"]}]})),
]
#: graphql-core words a bad literal by the scalar's complaint alone; Shopify names the argument.
LITERAL = re.compile(r"^(?:Expected value of type '(?P<type>[^']+)', found (?P<found>.+?)(?:;.*)?|"
                     r"(?P<scalar>\w+) cannot represent [^:]*: (?P<value>.+))$", re.DOTALL)


def shopify_error(error: GraphQLError, document=None):
    """``error`` as a Shopify error dict (message, locations, extensions.code)."""
    message = error.message
    for pattern, render in RULES:
        match = pattern.match(message)
        if match:
            text, extensions = render(match, error)
            if extensions["code"] == "INVALID_VARIABLE":
                variable_type = _variable_type(document, match["name"])
                text = f"Variable ${match['name']} of type {variable_type} was provided invalid value"
            body = {"message": text, "locations": _locations(error), "extensions": extensions}
            if extensions["code"] == "INVALID_VARIABLE":
                body.pop("locations")
                if extensions["value"] is None:
                    extensions.pop("value")
            return body
    literal = LITERAL.match(message)
    owner = _owner(document, error) if literal else None
    if owner:
        argument, field = owner
        value = literal["found"] or literal["value"]
        expected = (literal["type"] or literal["scalar"]).rstrip("!")
        return {"message": f"Argument '{argument}' on Field '{field}' has an invalid value ({value}). "
                           f"Expected type '{expected}'.",
                "locations": _locations(error),
                "extensions": {"code": "argumentLiteralsIncompatible", "typeName": "Field",
                               "argumentName": argument}}
    return error.formatted


def _variable_type(document, name):
    from graphql.language import print_ast

    for definition in getattr(document, "definitions", ()):
        for variable in getattr(definition, "variable_definitions", None) or ():
            if variable.variable.name.value == name:
                return print_ast(variable.type)
    return "unknown"
