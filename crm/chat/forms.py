from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from crm.chat.models import EVENTS
from crm.web.forms import choices


class ChannelForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    event = SelectField("Event", choices=choices(EVENTS.items()), validate_choice=True)
    url = StringField("Incoming-webhook URL", validators=[DataRequired(), Length(max=2000)])
    cleared = BooleanField("Cleared: may hear amounts and unreleased product names")
