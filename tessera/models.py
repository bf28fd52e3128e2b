"""Abstract model bases shared by the apps (no concrete models live here)."""

import uuid

from django.db import models


class UUIDModel(models.Model):
    """A row identified by a UUID, rendered as a lowercase hyphenated string."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True
