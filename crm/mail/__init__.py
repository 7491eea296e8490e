"""Outbound email: building messages and handing them to SMTP or a spool directory."""
