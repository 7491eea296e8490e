from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.web.fields import coerce_id


class ReminderForm(FlaskForm):
    title = StringField("Task", validators=[DataRequired(), Length(max=300)])
    due_on = DateField("Due on", validators=[InputRequired(message="Enter a date.")])
    assignee_id = SelectField("Assign to", coerce=coerce_id, validate_choice=True)
    creator_id = HiddenField(validators=[Optional()])


class SnoozeForm(FlaskForm):
    until = DateField("Snooze until", validators=[InputRequired(message="Enter a date.")])
