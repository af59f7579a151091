"""The audit log: who did what to which record, when, from which address.

``bot.audit.models.AuditEntry`` is the table; ``bot.audit.log`` has ``add_audit`` (inside
the caller's transaction) and ``AuditLog`` (record, list).  Low in the layers so that
accounts, handoffs, cases and the admin tools can all write to it.
"""
