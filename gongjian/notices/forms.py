"""Page forms of the notifications: a person's preferences, an office's channel."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Event, Kind


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
    events = forms.MultipleChoiceField(
        label=_("数据变化事件"),
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("仅通用 JSON:发给其他系统的数据变化,不选则不发"),
    )
    secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("仅通用 JSON:每条消息带 X-Gongjian-Signature(HMAC-SHA256);修改时留空则不变"),
    )

    class Meta:
        model = Channel
        fields = ["name", "format", "url", "phones", "kinds", "events", "secret", "is_active"]

    def clean_secret(self) -> str:
        return self.cleaned_data.get("secret") or (self.instance.secret if self.instance.pk else "")

    def clean(self):
        data = super().clean()
        if data.get("events") and data.get("format") != Channel.Format.JSON:
            self.add_error("events", _("数据变化事件只能发往“通用 JSON”格式的渠道"))
        return data
