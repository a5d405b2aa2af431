"""The record: tables, sessions, queries and migrations."""
