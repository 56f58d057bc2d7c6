# Payslips and payslip lines: references checked by the composite foreign keys alone, indexed once.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payroll', '0004_pay_run_api'),
    ]

    operations = [
        migrations.AlterField(
            model_name='payslip',
            name='cost_centre',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='hr.costcentre'),
        ),
        migrations.AlterField(
            model_name='payslip',
            name='department',
            field=models.ForeignKey(db_constraint=False, db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.department'),
        ),
        migrations.AlterField(
            model_name='payslip',
            name='employee',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='hr.employee'),
        ),
        migrations.AlterField(
            model_name='payslip',
            name='run',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='payroll.payrun'),
        ),
        migrations.AlterField(
            model_name='payslipline',
            name='department',
            field=models.ForeignKey(db_constraint=False, db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.department'),
        ),
        migrations.AlterField(
            model_name='payslipline',
            name='payslip',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='payroll.payslip'),
        ),
        migrations.AlterField(
            model_name='payslipline',
            name='run',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='payroll.payrun'),
        ),
    ]
