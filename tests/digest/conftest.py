from tests.mail.conftest import session_factory, smtp  # noqa: F401 (shared fixtures)
