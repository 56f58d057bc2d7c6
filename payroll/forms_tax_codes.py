"""The tax code notices page's upload form: it takes the file; the service reads and checks it."""

from __future__ import annotations

from django import forms

MAX_NOTICE_UPLOAD_BYTES = 20_000_000


class TaxCodeNoticeUploadForm(forms.Form):
    file = forms.FileField(label="Upload a CSV file of tax code notices",
                           error_messages={"required": "Choose a CSV file of tax code notices to upload"})

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_NOTICE_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file must be smaller than {MAX_NOTICE_UPLOAD_BYTES // 1_000_000} MB")
        return upload
