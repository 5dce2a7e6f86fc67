from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput

from .documents import MAX_UPLOAD_BYTES
from .models import DictionaryTerm


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件(.txt / .docx / .pdf)"),
        help_text=_("不超过 %(mb)d MB") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    source = forms.CharField(label=_("来源"), max_length=200, required=False)
    dated_on = forms.DateField(label=_("日期"), widget=DateInput())


class DictionaryForm(forms.Form):
    term = forms.CharField(label=_("词语"), max_length=40)
    kind = forms.ChoiceField(label=_("类型"), choices=DictionaryTerm.Kind.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
