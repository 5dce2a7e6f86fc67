"""Page forms of the notifications: a person's preferences, an office's channel."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Kind


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("同时发送电子邮件"), required=False)
    muted = forms.MultipleChoiceField(
        label=_("不接收的事件"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ChannelForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("事件"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选:所有事件"),
    )

    class Meta:
        model = Channel
        fields = ["name", "format", "url", "phones", "kinds", "is_active"]
