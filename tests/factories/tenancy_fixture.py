import factory

from tests.factories.base import DepartmentOwnedFactory
from tests.tenancy_fixture.models import Folder, Note


class FolderFactory(DepartmentOwnedFactory):
    class Meta:
        model = Folder

    title = factory.Sequence(lambda n: f"Folder {n}")


class NoteFactory(DepartmentOwnedFactory):
    class Meta:
        model = Note

    folder = factory.SubFactory(FolderFactory, department=factory.SelfAttribute("..department"))
    text = factory.Sequence(lambda n: f"Note {n}")
