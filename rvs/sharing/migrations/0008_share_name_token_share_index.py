import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sharing", "0007_share_name_terms")]

    operations = [
        migrations.AlterField(
            model_name="sharenametoken",
            name="share",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tokens",
                to="sharing.sharesearch",
            ),
        ),
        migrations.AddIndex(
            model_name="sharenametoken",
            index=models.Index(fields=["share", "token"], name="share_name_token_share"),
        ),
    ]
