from django.db import models

from departments.models import DepartmentOwnedModel


class Folder(DepartmentOwnedModel):
    title = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.title


class Note(DepartmentOwnedModel):
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text
