from django.apps import AppConfig


class PayrollConfig(AppConfig):
    """Pay elements, pay runs, payslips, BACS and RTI files, year-end; the engine in payroll/engine/."""

    name = "payroll"
    verbose_name = "Payroll"
