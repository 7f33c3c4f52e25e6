from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sharing", "0004_fill_share_search_index")]

    operations = [
        migrations.RemoveConstraint(model_name="sharenametoken", name="share_name_token_unique"),
        migrations.AddField(
            model_name="sharenametoken",
            name="sort_name",
            field=models.CharField(default="", max_length=401),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="sharenametoken",
            constraint=models.UniqueConstraint(
                fields=("organisation", "token", "sort_name", "share"), name="share_name_token_unique_sorted"
            ),
        ),
    ]
