"""Cross-cutting web plumbing: authentication, access checks, headers, errors, templates."""
