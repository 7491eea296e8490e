"""Content approvals: revisions of a creator's post, automated checks, and legal sign-off."""
