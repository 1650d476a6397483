"""Accounts, login, throttling and the audit log. Who may see what is decided in
semantic/ (policies); this package only says who someone is."""
