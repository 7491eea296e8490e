from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length


class SnapshotForm(FlaskForm):
    """Counts are text so "12,345" is accepted; the service checks they are whole numbers."""

    captured_on = DateField("Date", validators=[InputRequired()])
    followers = StringField(
        "Followers",
        validators=[Length(max=30)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    views = StringField(
        "Views",
        validators=[Length(max=30)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    posts = StringField(
        "Posts",
        validators=[Length(max=30)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file.")],
        render_kw={"accept": ".csv,text/csv"},
    )
