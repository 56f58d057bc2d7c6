"""hr's audit actions and fields in plain English (read through ``departments.audit_text``)."""
