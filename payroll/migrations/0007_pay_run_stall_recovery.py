from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payroll', '0006_payslip_unchanged'),
    ]

    operations = [
        migrations.AddField(
            model_name='payrun',
            name='progress_at',
            field=models.DateTimeField(blank=True, help_text='When the calculation last moved: started, resumed or a chunk written', null=True),
        ),
        migrations.AddField(
            model_name='payrun',
            name='automatic_resumes',
            field=models.PositiveSmallIntegerField(default=0, help_text='Times the current calculation was resumed because it stopped moving'),
        ),
        migrations.AddField(
            model_name='payrun',
            name='automatically_resumed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
