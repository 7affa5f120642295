"""Install, migrate and uninstall: the app's custom fields on ERPNext doctypes.

Creating a custom field commits the transaction (it alters a table), so this runs from install and
migrate hooks only, never from a request or a test.
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from amazon_integration.setup.custom_fields import CUSTOM_FIELDS


def after_install() -> None:
	create_custom_fields(CUSTOM_FIELDS, update=True)


def after_migrate() -> None:
	create_custom_fields(CUSTOM_FIELDS, update=True)


ROLES = ("Amazon Manager",)


def before_uninstall() -> None:
	delete_custom_fields(CUSTOM_FIELDS)
	for role in ROLES:
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		frappe.delete_doc("Role", role, ignore_missing=True, force=True, ignore_permissions=True)


def delete_custom_fields(custom_fields: dict[str, list[dict]]) -> None:
	for doctype, fields in custom_fields.items():
		frappe.db.delete(
			"Custom Field", {"dt": doctype, "fieldname": ("in", [field["fieldname"] for field in fields])}
		)
		frappe.clear_cache(doctype=doctype)
