"""Name terms again: a particle is now also stored joined to every later word (rvs.core.names).

"Van Pham" searches for vanpham, which "Văn Hùng Phạm" now stores. Same refill as 0007.
"""

from __future__ import annotations

import importlib

from django.db import migrations

refill = importlib.import_module("rvs.sharing.migrations.0007_share_name_terms").refill


class Migration(migrations.Migration):
    dependencies = [("sharing", "0008_share_name_token_share_index")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
